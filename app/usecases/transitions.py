"""The one place a transition is written. Whatever must happen atomically with a state change
(incident bookkeeping, webhook outbox rows: the service's event, the region's, a cutoff's) is
called from here, inside the caller's transaction, so it commits or vanishes together with
the transition."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import TransitionSource
from app.core.state_machine import Change
from app.store.models import Transition
from app.usecases.cutoff_events import enqueue_cutoff_event
from app.usecases.incidents import track_incident
from app.usecases.outbox import enqueue_transition_events
from app.usecases.region_events import enqueue_region_event


async def append_transition(
    session: AsyncSession,
    *,
    service_id: int,
    region_code: str,
    change: Change,
    source: TransitionSource,
    at: datetime,
    evidence: dict[str, Any],
) -> Transition:
    transition = Transition(
        service_id=service_id,
        region_code=region_code,
        from_state=change.from_state,
        to_state=change.to_state,
        reason=change.reason,
        source=source,
        at=at,
        evidence=evidence,
    )
    session.add(transition)
    await session.flush()
    await track_incident(session, transition)  # sets transition.incident_id
    await enqueue_transition_events(session, transition)  # service.*
    await enqueue_region_event(session, transition)  # region.*, once per change of the region
    await enqueue_cutoff_event(session, transition)  # cutoff.*, once per cut
    return transition
