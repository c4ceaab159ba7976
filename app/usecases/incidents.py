"""Keep a region's incident in step with its transitions: load, apply the pure rules of
app.core.incidents, write. Both run inside the caller's transaction.

`track_incident` runs inside `append_transition`, after the transition is flushed and after the
services' new states are saved, so it reads the region as it now is. Each transition that
touches an incident carries its id.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Reason, State
from app.core.incidents import (
    End,
    Extend,
    Open,
    OpenIncident,
    ReasonSpan,
    TransitionSeen,
    incident_step,
    settle,
    timeline_document,
    timeline_of,
)
from app.store.incidents import lock_region, open_incident, region_state
from app.store.models import Incident, Transition


async def track_incident(session: AsyncSession, transition: Transition) -> None:
    """Open, extend or end the region's incident for this (flushed) transition."""
    code = transition.region_code
    await lock_region(session, code)
    region = await region_state(session, code)
    incident = await open_incident(session, code)
    seen = TransitionSeen(Reason(transition.reason), transition.at)
    step = incident_step(None if incident is None else _facts_of(incident), seen, region)
    if step is None:
        return
    if isinstance(step, Open):
        incident = _opened(code, step)
    else:
        assert incident is not None  # extending and ending need an open incident
        _apply(incident, step)
    session.add(incident)
    await session.flush()
    transition.incident_id = incident.id
    session.add(transition)
    await session.flush()


async def settle_region(session: AsyncSession, region_code: str, *, at: datetime) -> None:
    """End the region's open incident if it is no longer away: for changes that make no
    transition (a failing service paused, moved or deleted)."""
    incident = await open_incident(session, region_code)
    if incident is None:
        return
    end = settle(_facts_of(incident), await region_state(session, region_code), at=at)
    if end is None:
        return
    _apply(incident, end)
    session.add(incident)
    await session.flush()


def _facts_of(incident: Incident) -> OpenIncident:
    # A row written without a timeline (by hand, or before there was one) held its reason
    # from its start.
    since_start = (ReasonSpan(Reason(incident.reason), incident.started_at),)
    return OpenIncident(
        started_at=incident.started_at,
        worst_state=State(incident.worst_state),
        reasons_seen=tuple(incident.reasons_seen),
        updated_at=incident.updated_at,
        timeline=timeline_of(incident.reason_timeline) or since_start,
    )


def _opened(region_code: str, step: Open) -> Incident:
    return Incident(
        region_code=region_code,
        started_at=step.started_at,
        worst_state=step.worst_state,
        category=str(step.category),
        reason=step.reason,
        reasons_seen=list(step.reasons_seen),
        reason_timeline=timeline_document(step.timeline),
        updated_at=step.updated_at,
    )


def _apply(incident: Incident, step: Extend | End) -> None:
    """The step's fields onto the row; the governing cause is recomputed at every step."""
    if isinstance(step, Extend):
        incident.worst_state = step.worst_state
    else:
        incident.ended_at = step.ended_at
    incident.category = str(step.category)
    incident.reason = step.reason
    incident.reasons_seen = list(step.reasons_seen)
    incident.reason_timeline = timeline_document(step.timeline)
    incident.updated_at = step.updated_at
