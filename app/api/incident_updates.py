"""Incident updates: operators tell an incident's story in Indonesian and English, with
Statuspage's statuses. The incident itself (start, end, reason) stays derived from transitions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.audit import record_write
from app.api.schemas.incident_updates import IncidentUpdateCreate, IncidentUpdatePublic
from app.core.errors import NotFound
from app.http.auth import AUTH_RESPONSES, Principal, require_scope
from app.http.deps import DatabaseDep, ReadSession
from app.store.incident_updates import IncidentUpdate, add_update, updates_of
from app.store.keys import Scope
from app.store.models import Incident

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])

# Telling an incident's story is the same trust as declaring what official channels said.
IncidentWriter = Annotated[Principal, Depends(require_scope(Scope.DECLARATIONS_WRITE))]
IncidentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No incident has this id"}}


async def _incident(session: AsyncSession, incident_id: int) -> Incident:
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("incident", incident_id)
    return incident


@router.post(
    "/{incident_id}/updates",
    status_code=201,
    response_model=IncidentUpdatePublic,
    responses={**NOT_FOUND, **AUTH_RESPONSES},
)
async def post_update(
    incident_id: IncidentId,
    body: IncidentUpdateCreate,
    database: DatabaseDep,
    principal: IncidentWriter,
) -> IncidentUpdatePublic:
    """Add an update to an incident's story; a region-bound key, to its area's incidents."""
    async with database.transaction() as session:
        incident = await _incident(session, incident_id)
        principal.require_area(incident.region_code, loc=("path", "incident_id"))
        update = await add_update(
            session,
            IncidentUpdate(
                incident_id=incident_id, **body.model_dump(), created_by=principal.actor
            ),
        )
        public = IncidentUpdatePublic.of(update)
        await record_write(
            session,
            principal,
            action="incident_update.create",
            target_type="incident",
            target_id=incident_id,
            after=public,
        )
    return public


@router.get(
    "/{incident_id}/updates", response_model=list[IncidentUpdatePublic], responses=NOT_FOUND
)
async def list_updates(incident_id: IncidentId, session: ReadSession) -> list[IncidentUpdatePublic]:
    """An incident's updates, newest first."""
    await _incident(session, incident_id)
    return [IncidentUpdatePublic.of(u) for u in await updates_of(session, incident_id)]
