"""The audit log: `record_write` is called by every write route inside its own transaction;
admins read the log here. No route changes or deletes it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.schemas.audit import AuditEntryPublic, AuditPage
from app.core.instants import Instant
from app.http.auth import AUTH_RESPONSES, AdminDep, Principal
from app.http.deps import ReadSession
from app.store.audit import append_entry, list_entries
from app.store.keys import keys_by_id

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

ROW_ID_MAX = 2**31 - 1


async def record_write(
    session: AsyncSession,
    principal: Principal,
    *,
    action: str,
    target_type: str,
    target_id: object,
    before: BaseModel | dict[str, Any] | None = None,
    after: BaseModel | dict[str, Any] | None = None,
) -> None:
    """Append one audit entry; `before`/`after` are the public shapes, never secrets. The
    entry names the key by its id; the key's prefix, name and area, which never change once
    it is issued, are shown with the entry. A region-bound key's write must have had its
    regions checked (`Principal.require_area`): one that was not is refused here."""
    principal.require_checked_area()

    def document(value: BaseModel | dict[str, Any] | None) -> dict[str, Any] | None:
        return value.model_dump(mode="json") if isinstance(value, BaseModel) else value

    await append_entry(
        session,
        actor=principal.actor,
        key_id=principal.key_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=document(before),
        after=document(after),
    )


@router.get("", response_model=AuditPage, responses=AUTH_RESPONSES)
async def list_audit(
    session: ReadSession,
    _: AdminDep,
    actor: Annotated[str | None, Query(description="`admin-token` or `key:<id>`")] = None,
    action: Annotated[str | None, Query(description="e.g. `maintenance.update`")] = None,
    target_type: Annotated[str | None, Query(description="e.g. `service`, `key`")] = None,
    target_id: str | None = None,
    since: Annotated[Instant | None, Query(description="From this instant on")] = None,
    until: Annotated[Instant | None, Query(description="Before this instant")] = None,
    cursor: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Every write, newest first (admin only), each with the key that made it and its area."""
    rows = await list_entries(
        session,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        since=since,
        until=until,
        before_id=cursor,
        limit=limit + 1,
    )
    page = rows[:limit]
    next_cursor = str(page[-1].id) if len(rows) > limit else None
    found = await keys_by_id(session, {e.key_id for e in page if e.key_id is not None})
    items = [AuditEntryPublic.of(e, found.get(e.key_id) if e.key_id else None) for e in page]
    return AuditPage(items=items, next_cursor=next_cursor)
