"""The audit log: one row per write, appended in the write's own transaction (so a write and
its record commit or vanish together). Nothing updates or deletes these rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.store.models import _utc
from app.store.types import JSONDocument, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target_type_target_id", "target_type", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc(now=True, index=True)
    actor: str = Field(max_length=40, index=True)  # "admin-token" or "key:<id>"
    key_id: int | None = None
    action: str = Field(max_length=40, index=True)  # e.g. "maintenance.update"
    target_type: str = Field(max_length=40)
    target_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONDocument)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONDocument)


async def append_entry(
    session: AsyncSession,
    *,
    actor: str,
    key_id: int | None,
    action: str,
    target_type: str,
    target_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=utcnow(),
        actor=actor,
        key_id=key_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after=after,
    )
    session.add(entry)
    await session.flush()
    return entry


async def list_entries(
    session: AsyncSession,
    *,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Entries newest first, filtered; `before_id` pages backwards."""
    query = select(AuditEntry)
    for column, value in (
        (AuditEntry.actor, actor),
        (AuditEntry.action, action),
        (AuditEntry.target_type, target_type),
        (AuditEntry.target_id, target_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if until is not None:
        query = query.where(col(AuditEntry.at) < until)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    rows = await session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit))
    return list(rows.all())
