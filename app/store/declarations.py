"""Declarations: what operators know from official channels about a region (a cutoff letter,
a warning with its deadline, the lifting, an office-equipment failure), each citing its
reference. Rows are never changed; what is in force is derived from the order they were
recorded in: the latest cutoff or infrastructure declaration not followed by a lifting, and
the latest warning not followed by a cutoff or a lifting."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Text
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Reason
from app.core.overrides import DeclaredCause
from app.store.history import in_region, older_than
from app.store.models import _utc


class DeclarationKind(StrEnum):
    CUTOFF = "cutoff"
    WARNING = "warning"  # the ministry's teguran: a cutoff threatened by a deadline
    LIFTED = "lifted"
    INFRASTRUCTURE = "infrastructure"
    VPN_FAULT = "vpn_fault"  # a cut link that is a technical VPN fault, not a policy cutoff

    @property
    def reason(self) -> Reason | None:
        """The reason this declaration imposes on the region's failing services."""
        return _IMPOSED.get(self)


_IMPOSED = {
    DeclarationKind.CUTOFF: Reason.POLICY_CUTOFF,
    DeclarationKind.INFRASTRUCTURE: Reason.LOCAL_INFRASTRUCTURE,
    DeclarationKind.VPN_FAULT: Reason.NETWORK_VPN,
}
_ENDS_CAUSE = {*_IMPOSED, DeclarationKind.LIFTED}
_ENDS_WARNING = {DeclarationKind.WARNING, DeclarationKind.CUTOFF, DeclarationKind.LIFTED}


class Declaration(SQLModel, table=True):
    __table_args__ = (Index("ix_declaration_region_code_id", "region_code", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(sa_column=Column(String(8), ForeignKey("region.code"), nullable=False))
    kind: DeclarationKind = Field(sa_type=String(16))
    reference: str = Field(max_length=200)
    issuer: str = Field(max_length=200)
    issued_at: datetime = _utc()
    url: str | None = Field(default=None, max_length=2048)
    note: str | None = Field(default=None, sa_type=Text)
    deadline: datetime | None = _utc(nullable=True)
    created_by: str = Field(max_length=40)
    created_at: datetime = _utc(now=True)

    def citation(self) -> dict[str, Any]:
        """How transitions cite this declaration in their evidence."""
        return {
            "id": self.id,
            "kind": str(self.kind),
            "reference": self.reference,
            "issuer": self.issuer,
            "issued_at": self.issued_at.isoformat(),
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class InForce:
    """A region's declarations in force."""

    cause: Declaration | None = None  # cutoff or infrastructure
    warning: Declaration | None = None


def in_force(declarations: Sequence[Declaration]) -> InForce:
    """From one region's declarations in recording order."""
    newest_first = sorted(declarations, key=lambda d: d.id or 0, reverse=True)
    cause = next((d for d in newest_first if d.kind in _ENDS_CAUSE), None)
    warning = next((d for d in newest_first if d.kind in _ENDS_WARNING), None)
    return InForce(
        cause=cause if cause is not None and cause.kind != DeclarationKind.LIFTED else None,
        warning=warning
        if warning is not None and warning.kind == DeclarationKind.WARNING
        else None,
    )


async def add_declaration(session: AsyncSession, declaration: Declaration) -> Declaration:
    session.add(declaration)
    await session.flush()
    return declaration


async def declarations_of(session: AsyncSession, region_code: str) -> list[Declaration]:
    """A region's declarations, newest first."""
    query = select(Declaration).where(Declaration.region_code == region_code)
    return list((await session.exec(query.order_by(col(Declaration.id).desc()))).all())


async def list_declarations(
    session: AsyncSession,
    *,
    kind: DeclarationKind | None = None,
    region_prefix: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[Declaration]:
    """Every region's declarations, newest recorded first by (created_at, id), with
    `since` ≤ created_at < `until`; `before` is a page's keyset."""
    query = select(Declaration)
    if kind is not None:
        query = query.where(Declaration.kind == str(kind))
    if region_prefix is not None:
        query = query.where(in_region(col(Declaration.region_code), region_prefix))
    if since is not None:
        query = query.where(col(Declaration.created_at) >= since)
    if until is not None:
        query = query.where(col(Declaration.created_at) < until)
    if before is not None:
        query = query.where(older_than(col(Declaration.created_at), col(Declaration.id), before))
    order = (col(Declaration.created_at).desc(), col(Declaration.id).desc())
    return list((await session.exec(query.order_by(*order).limit(limit))).all())


async def in_force_by_region(
    session: AsyncSession, region_codes: Sequence[str]
) -> dict[str, InForce]:
    """Declarations in force for each region that has any. Declarations are rare (a handful
    per region in years), so reading them all and reducing here stays cheap."""
    if not region_codes:
        return {}
    query = select(Declaration).where(col(Declaration.region_code).in_(set(region_codes)))
    by_region: dict[str, list[Declaration]] = defaultdict(list)
    for declaration in (await session.exec(query)).all():
        by_region[declaration.region_code].append(declaration)
    return {code: in_force(rows) for code, rows in by_region.items()}


async def declared_causes(
    session: AsyncSession, region_codes: Sequence[str]
) -> dict[str, DeclaredCause]:
    """What the recording path imposes: each region's active cutoff or infrastructure reason."""
    causes = {}
    for code, force in (await in_force_by_region(session, region_codes)).items():
        reason = DeclarationKind(force.cause.kind).reason if force.cause else None
        if force.cause is not None and reason is not None:
            causes[code] = DeclaredCause(reason, force.cause.citation())
    return causes
