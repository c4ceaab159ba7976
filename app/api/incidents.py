"""Incidents: episodes of a region away from operational, derived from its transitions, with
the causes seen, the declarations cited, and the operators' updates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.schemas.history import TransitionOperator, TransitionPublic
from app.api.schemas.incident_updates import IncidentUpdatePublic
from app.api.schemas.incidents import (
    DeclarationCitation,
    IncidentDetail,
    IncidentDetailOperator,
    IncidentPage,
    IncidentPublic,
    ReasonSpanPublic,
)
from app.core.domain import Category, Reason, State
from app.core.episodes import episode_seconds
from app.core.errors import NotFound
from app.core.incidents import latest_reason, timeline_of
from app.http.auth import IsOperator
from app.http.deps import ReadSession, SettingsDep
from app.http.paging import (
    Cursor,
    Since,
    Until,
    decode_cursor,
    encode_cursor,
    time_range,
)
from app.http.region_codes import optional_region_code
from app.http.responses import NOT_MODIFIED, not_found
from app.reads.cache import json_response
from app.reads.region_shapes import Label
from app.store import incidents as store
from app.store.incident_updates import updates_of
from app.store.models import Incident, Region
from app.store.types import utcnow

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])

IncidentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_FOUND = not_found("incident has this id")
MAX_TRANSITIONS = 500


def incident_public(
    incident: Incident,
    region: Region | None,
    cited: Sequence[dict[str, Any]],
    now: datetime,
    base_url: str,
) -> dict[str, Any]:
    """The fields of IncidentPublic, as a dict the detail view extends; public letters are
    linked below `base_url`."""
    reason = Reason(incident.reason)
    timeline = timeline_of(incident.reason_timeline)
    spans = [
        ReasonSpanPublic(
            reason=span.reason,
            category=span.reason.category,
            started_at=span.started_at,
            ended_at=span.ended_at,
            seconds=span.seconds(now),
        )
        for span in timeline
    ]
    return {
        "id": incident.id,
        "region_code": incident.region_code,
        "region_name": region.name if region else incident.region_code,
        "province_code": region.parent_code if region else None,
        "started_at": incident.started_at,
        "ended_at": incident.ended_at,
        "is_active": incident.ended_at is None,
        "duration_seconds": episode_seconds(incident.started_at, incident.ended_at, now),
        "worst_state": State(incident.worst_state),
        "category": Category(incident.category),
        "reason": reason,
        "reason_label": Label(id=reason.label_id, en=reason.label_en),
        "latest_reason": latest_reason(timeline) or reason,
        "reasons_seen": [Reason(r) for r in incident.reasons_seen],
        "reason_timeline": spans,
        "declarations": [DeclarationCitation.of(c, base_url) for c in cited],
        "wave_id": incident.wave_id,
        "updated_at": incident.updated_at,
    }


async def _regions(session: AsyncSession, codes: set[str]) -> dict[str, Region]:
    if not codes:
        return {}
    rows = await session.exec(select(Region).where(col(Region.code).in_(codes)))
    return {region.code: region for region in rows.all()}


@router.get("", response_model=IncidentPage, responses=NOT_MODIFIED)
async def list_incidents(
    session: ReadSession,
    settings: SettingsDep,
    active: Annotated[bool | None, Query(description="Only open (true) or ended (false)")] = None,
    region: Annotated[
        str | None,
        Query(description="Region code or province prefix (`73.73`, `7373`, `73`)"),
    ] = None,
    category: Annotated[
        Category | None, Query(description="Only incidents whose governing cause is of this")
    ] = None,
    since: Since = None,
    until: Until = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Incidents newest first; `since`/`until` keep those overlapping the range. A value a
    filter does not take (an unknown category, a malformed region code, `active=maybe`) is a
    422 naming it; a well-formed region code with no incidents gives an empty page."""
    start, end = time_range(since, until)
    rows = await store.list_incidents(
        session,
        active=active,
        region_prefix=optional_region_code(region),
        category=category,
        since=start,
        until=end,
        before=decode_cursor(cursor),
        limit=limit + 1,
    )
    shown = rows[:limit]
    ids = [i.id for i in shown if i.id is not None]
    cited = await store.declarations_cited(session, ids)
    regions = await _regions(session, {i.region_code for i in shown})
    now, base_url = utcnow(), settings.public_base_url
    items = [
        IncidentPublic(
            **incident_public(i, regions.get(i.region_code), cited[i.id or 0], now, base_url)
        )
        for i in shown
    ]
    more = len(rows) > limit and shown
    next_cursor = encode_cursor(shown[-1].started_at, shown[-1].id or 0) if more else None
    return json_response(IncidentPage(items=items, next_cursor=next_cursor))


@router.get("/{incident_id}", response_model=IncidentDetail, responses=NOT_FOUND)
async def get_incident(
    incident_id: IncidentId, session: ReadSession, operator: IsOperator, settings: SettingsDep
) -> Response:
    """One incident with its transitions and the operators' updates; with a `services:write`
    token, each transition's whole evidence."""
    incident = await store.get_incident(session, incident_id)
    if incident is None:
        raise NotFound("incident", incident_id)
    transitions = await store.transitions_of(session, incident_id, limit=MAX_TRANSITIONS + 1)
    cited = await store.declarations_cited(session, [incident_id])
    region = await session.get(Region, incident.region_code)
    base_url = settings.public_base_url
    fields = incident_public(incident, region, cited[incident_id], utcnow(), base_url)
    shown = transitions[:MAX_TRANSITIONS]
    fields |= {
        "has_more_transitions": len(transitions) > MAX_TRANSITIONS,
        "updates": [IncidentUpdatePublic.of(u) for u in await updates_of(session, incident_id)],
    }
    if operator:
        operator_view = [TransitionOperator.of(t) for t in shown]
        return json_response(IncidentDetailOperator(**fields, transitions=operator_view))
    public_view = [TransitionPublic.of(t) for t in shown]
    return json_response(IncidentDetail(**fields, transitions=public_view))
