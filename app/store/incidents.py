"""Incidents: episodes of one region away from operational, kept in step with its transitions.

`track_incident` runs inside `append_transition`, after the transition is flushed and after
the services' new states are saved, so it reads the region as it now is:
- no incident open and the region's worst state (over its non-paused services) is outage,
  degraded or maintenance → one opens at the transition's time;
- one open → the transition joins it: worst state seen, latest reason, reasons seen;
- one open and the region is back to operational (or unknown) → it ends at that time.
Each transition that touches an incident carries its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Reason, State, TransitionSource
from app.core.regions.status import RegionState, ServiceState, summarise
from app.store.history import in_region, older_than
from app.store.models import Incident, Region, Service, Transition

AWAY = frozenset({State.OUTAGE, State.DEGRADED, State.MAINTENANCE})
DECLARED_REASONS = (Reason.POLICY_CUTOFF, Reason.LOCAL_INFRASTRUCTURE)


async def track_incident(session: AsyncSession, transition: Transition) -> None:
    """Open, extend or close the region's incident for this (flushed) transition."""
    code = transition.region_code
    if session.bind is None or session.bind.dialect.name != "sqlite":
        # Transitions of one region recorded concurrently (replicas on PostgreSQL) queue on
        # the region row, so each reads the service states the other committed. SQLite has
        # one writer already.
        await session.exec(select(Region.code).where(Region.code == code).with_for_update())
    region = await _region_now(session, code)
    incident = await open_incident(session, code)
    if incident is None:
        if region.state not in AWAY:
            return
        incident = _opened(transition, region)
    else:
        _extend(incident, transition, region)
    session.add(incident)
    await session.flush()
    transition.incident_id = incident.id
    session.add(transition)
    await session.flush()


async def settle_region(session: AsyncSession, region_code: str, *, at: datetime) -> None:
    """End the region's open incident if it is no longer away: for changes that move no
    transition (a failing service paused or deleted). Call it in that change's transaction."""
    incident = await open_incident(session, region_code)
    if incident is None or (await _region_now(session, region_code)).state in AWAY:
        return
    incident.ended_at = max(at, incident.started_at)
    incident.updated_at = max(at, incident.updated_at)
    session.add(incident)
    await session.flush()


async def _region_now(session: AsyncSession, code: str) -> RegionState:
    query = select(Service.state, Service.reason, Service.state_changed_at).where(
        Service.region_code == code, col(Service.is_paused).is_(False)
    )
    rows = (await session.exec(query)).all()
    return summarise([ServiceState(State(s), Reason(r) if r else None, at) for s, r, at in rows])


def _seen(reasons: Sequence[str], *new: Reason | None) -> list[str]:
    """Reasons seen in order of first sighting; `ok` is not a cause."""
    seen = list(reasons)
    for reason in new:
        if reason is not None and reason != Reason.OK and str(reason) not in seen:
            seen.append(str(reason))
    return seen


def _opened(transition: Transition, region: RegionState) -> Incident:
    reason = region.reason or Reason(transition.reason)
    return Incident(
        region_code=transition.region_code,
        started_at=transition.at,
        worst_state=region.state,
        category=str(reason.category),
        reason=reason,
        reasons_seen=_seen([], Reason(transition.reason), reason),
        updated_at=transition.at,
    )


def _extend(incident: Incident, transition: Transition, region: RegionState) -> None:
    if region.state in AWAY:
        if region.state.severity > State(incident.worst_state).severity:
            incident.worst_state = region.state
        incident.reason = region.reason or Reason(transition.reason)
    else:
        # A clock that stepped back must not end an incident before it began.
        incident.ended_at = max(transition.at, incident.started_at)
    incident.reasons_seen = _seen(incident.reasons_seen, Reason(transition.reason), region.reason)
    incident.updated_at = max(transition.at, incident.updated_at)


async def open_incident(session: AsyncSession, region_code: str) -> Incident | None:
    # Ordered along the (region_code, started_at) index: by id, SQLite would walk every
    # incident of every region backwards.
    query = (
        select(Incident)
        .where(Incident.region_code == region_code, col(Incident.ended_at).is_(None))
        .order_by(col(Incident.started_at).desc(), col(Incident.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def list_incidents(
    session: AsyncSession,
    *,
    active: bool | None = None,
    region_prefix: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[Incident]:
    """Newest first (by start); `since`/`until` keep incidents that overlap [since, until)."""
    query = select(Incident)
    if active is not None:
        ended = col(Incident.ended_at)
        query = query.where(ended.is_(None) if active else ended.is_not(None))
    if region_prefix is not None:
        query = query.where(in_region(col(Incident.region_code), region_prefix))
    if since is not None:
        ended = col(Incident.ended_at)
        query = query.where(or_(ended.is_(None), ended >= since))
    if until is not None:
        query = query.where(col(Incident.started_at) < until)
    if before is not None:
        query = query.where(older_than(col(Incident.started_at), col(Incident.id), before))
    order = (col(Incident.started_at).desc(), col(Incident.id).desc())
    return list((await session.exec(query.order_by(*order).limit(limit))).all())


async def get_incident(session: AsyncSession, incident_id: int) -> Incident | None:
    return await session.get(Incident, incident_id)


async def transitions_of(
    session: AsyncSession, incident_id: int, *, limit: int
) -> list[Transition]:
    """An incident's transitions in recording order, at most `limit`."""
    query = select(Transition).where(Transition.incident_id == incident_id)
    return list((await session.exec(query.order_by(col(Transition.id)).limit(limit))).all())


async def declarations_cited(
    session: AsyncSession, incident_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """The declarations (cutoff letters, liftings) that incidents' transitions cite, each once,
    in the order first cited. Only declared reasons and operators' transitions carry them."""
    cited: dict[int, list[dict[str, Any]]] = {incident_id: [] for incident_id in incident_ids}
    if not incident_ids:
        return cited
    declared = or_(
        col(Transition.reason).in_([str(r) for r in DECLARED_REASONS]),
        col(Transition.source) == str(TransitionSource.OPERATOR),
    )
    query = (
        select(Transition.incident_id, Transition.evidence)
        .where(and_(col(Transition.incident_id).in_(incident_ids), declared))
        .order_by(col(Transition.id))
    )
    for incident_id, evidence in (await session.exec(query)).all():
        citation = (evidence or {}).get("declaration")
        seen = cited.get(incident_id or 0)
        if seen is not None and isinstance(citation, dict) and citation not in seen:
            seen.append(citation)
    return cited
