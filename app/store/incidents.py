"""Incidents: queries over the episodes of one region away from operational.

The rules that open, extend and end them are pure (app.core.incidents); the use case that
applies them to each transition is app.usecases.incidents.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Category, Reason, TransitionSource
from app.core.letters import letter_path
from app.core.regions.status import RegionState, summarise
from app.store.history import in_region, older_than
from app.store.letters import public_letter_ids
from app.store.models import Incident, Region, Transition
from app.store.region_events import services_now

DECLARED_REASONS = (Reason.POLICY_CUTOFF, Reason.LOCAL_INFRASTRUCTURE)


async def lock_region(session: AsyncSession, region_code: str) -> None:
    """Hold the region's row until the transaction ends, so transitions of one region recorded
    concurrently (replicas on PostgreSQL) queue, and each reads the service states the other
    committed. SQLite has one writer already."""
    if session.bind is None or session.bind.dialect.name != "sqlite":
        await session.exec(select(Region.code).where(Region.code == region_code).with_for_update())


async def region_state(session: AsyncSession, region_code: str) -> RegionState:
    """The region as it now is: the worst state of its services that are not paused."""
    return summarise(await services_now(session, region_code))


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
    category: Category | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[Incident]:
    """Newest first (by start); `since`/`until` keep incidents that overlap [since, until);
    `category` is the governing cause's."""
    query = select(Incident)
    if active is not None:
        ended = col(Incident.ended_at)
        query = query.where(ended.is_(None) if active else ended.is_not(None))
    if region_prefix is not None:
        query = query.where(in_region(col(Incident.region_code), region_prefix))
    if category is not None:
        query = query.where(col(Incident.category) == str(category))
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
    in the order first cited. Only declared reasons and operators' transitions carry them. A
    citation whose declaration carries a public letter gains `letter_path`, where the letter
    itself is downloaded (app/core/letters.py), as it is now: a letter attached or published
    after the transition shows too."""
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
    ids = [c["id"] for found in cited.values() for c in found if isinstance(c.get("id"), int)]
    public = await public_letter_ids(session, ids)
    return {
        incident_id: [
            c | {"letter_path": letter_path(c["id"])} if c.get("id") in public else c for c in found
        ]
        for incident_id, found in cited.items()
    }
