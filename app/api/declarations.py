"""Declarations: operators record what official channels said about a region (a cutoff, a
warning with its deadline, the lifting, an equipment failure), citing the letter. A cutoff or
an infrastructure declaration takes effect on the region's failing services at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.audit import record_write
from app.api.schemas.declarations import DeclarationCreate
from app.core.errors import Conflict, NotFound
from app.http.auth import AUTH_RESPONSES, Principal, require_scope
from app.http.deps import DatabaseDep, ReadSession, SettingsDep
from app.http.region_codes import RegionCode
from app.reads.letters import with_letter_urls
from app.reads.region_shapes import DeclarationPublic
from app.store import declarations as store
from app.store.declarations import Declaration, DeclarationKind, InForce, in_force_by_region
from app.store.keys import Scope
from app.store.models import Region
from app.store.types import utcnow
from app.usecases.declare import apply_declaration
from app.usecases.outbox import enqueue_event

router = APIRouter(prefix="/api/v1/regions", tags=["declarations"])

DeclarationsWriter = Annotated[Principal, Depends(require_scope(Scope.DECLARATIONS_WRITE))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No region has this code"}}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    **NOT_FOUND,
    409: {"description": "`lifted` while nothing is in force"},
}


async def _region(session: AsyncSession, code: str) -> Region:
    region = await session.get(Region, code)
    if region is None:
        raise NotFound("region", code)
    return region


def _event_data(region: Region, declaration: DeclarationPublic) -> dict[str, Any]:
    return {
        "declaration": declaration.model_dump(mode="json"),
        "region": {
            "code": region.code,
            "name": region.name,
            "level": str(region.level),
            "parent_code": region.parent_code,
        },
    }


@router.post(
    "/{code}/declarations",
    status_code=201,
    response_model=DeclarationPublic,
    responses=WRITE_RESPONSES,
)
async def declare(
    code: RegionCode, body: DeclarationCreate, database: DatabaseDep, principal: DeclarationsWriter
) -> DeclarationPublic:
    """Record a declaration. `cutoff`, `infrastructure` and `vpn_fault` put the region's
    failing services in `policy.cutoff` / `local.infrastructure` / `network.vpn` now and
    whenever they fail while it is in force; `lifted` ends it (or a warning); `warning`
    emits a `policy.warning` event. A region-bound key declares only within its area.

    Sent as `multipart/form-data` instead, with the same fields as form fields plus the letter
    itself (`file`: a PDF, PNG or JPEG) and its `visibility` (`public` or `operators`, the
    default), the declaration is recorded with its letter in one transaction, so its
    `cutoff.declared` event already links a public letter (see
    `POST /api/v1/regions/{code}/declarations/{declaration_id}/letter`)."""
    principal.require_area(code, loc=("path", "code"))
    async with database.transaction() as session:
        public = await record_declaration(session, code, body, principal)
    return public


# Run after the declaration's row is written and before its effects (transitions, events):
# attaches its letter, answering the letter's public link (None: none, or not public).
AttachLetter = Callable[[AsyncSession, Declaration], Awaitable[str | None]]


async def record_declaration(
    session: AsyncSession,
    code: str,
    body: DeclarationCreate,
    principal: Principal,
    *,
    attach: AttachLetter | None = None,
) -> DeclarationPublic:
    """A declaration, its effects, its event and its audit entry, in `session`'s transaction;
    with `attach`, its letter before its effects, so what they announce links it."""
    region = await _region(session, code)
    in_force = (await in_force_by_region(session, [code])).get(code, InForce())
    if body.kind == DeclarationKind.LIFTED and in_force == InForce():
        raise Conflict(f"region {code} has no cutoff, infrastructure or warning to lift")
    fields = body.model_dump(include=set(DeclarationCreate.model_fields))
    declaration = await store.add_declaration(
        session, Declaration(region_code=code, **fields, created_by=principal.actor)
    )
    letter_url = None if attach is None else await attach(session, declaration)
    await apply_declaration(session, declaration, lifts=in_force.cause, at=utcnow())
    public = DeclarationPublic.model_validate(declaration, from_attributes=True)
    public = public.model_copy(update={"letter_url": letter_url})
    if body.kind == DeclarationKind.WARNING:
        await enqueue_event(
            session,
            event_type="policy.warning",
            data=_event_data(region, public),
            region_code=code,
            category="policy",
        )
    await record_write(
        session,
        principal,
        action=f"declaration.{body.kind}",
        target_type="declaration",
        target_id=declaration.id,
        after=public,
    )
    return public


@router.get("/{code}/declarations", response_model=list[DeclarationPublic], responses=NOT_FOUND)
async def list_declarations(
    code: RegionCode, session: ReadSession, settings: SettingsDep
) -> list[DeclarationPublic]:
    """A region's declarations, newest first; `letter_url` where the letter is public."""
    await _region(session, code)
    found = [
        DeclarationPublic.model_validate(d, from_attributes=True)
        for d in await store.declarations_of(session, code)
    ]
    return await with_letter_urls(session, found, settings.public_base_url)
