"""What the pages read beyond the region overview, each in one or two queries whatever the
number of regions: every monitored region's spans over the bars' period, active incidents
with the letters they cite, warnings in force, maintenance coming up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.overrides import ScheduledWindow
from app.core.uptime_maths import Mark, Span, service_spans, worst_spans
from app.store.declarations import Declaration, in_force_by_region
from app.store.history import mark_columns, mark_of
from app.store.incident_updates import IncidentUpdate, updates_of_incidents
from app.store.incidents import declarations_cited, list_incidents
from app.store.maintenance import scheduled, windows_overlapping
from app.store.models import Incident, Region, Service, Transition

MAINTENANCE_HORIZON = timedelta(days=14)
# Past this many services a query reads every service's rows rather than list their ids.
MAX_LISTED = 200
EARLIEST = datetime.min.replace(tzinfo=UTC)


async def region_spans(
    session: AsyncSession, *, start: datetime, end: datetime
) -> dict[str, list[Span]]:
    """Each monitored region's spans in [start, end): the worst of its non-paused services
    at each instant. Two queries for the whole country."""
    return await spans_of_services(session, await watched_regions(session), start=start, end=end)


async def watched_regions(session: AsyncSession) -> dict[int, str]:
    """Each non-paused service's region, by service id."""
    watched = select(Service.id, Service.region_code).where(col(Service.is_paused).is_(False))
    return {sid: code for sid, code in (await session.exec(watched)).all() if sid}


def _in_window(start: datetime, end: datetime) -> ColumnElement[bool]:
    """A service's transitions that shape [start, end): its last one before `start` (the
    state the window opens in) and those inside."""
    opening = (
        select(func.max(Transition.id))
        .where(col(Transition.service_id).is_not(None), col(Transition.at) < start)
        .group_by(col(Transition.service_id))
    )
    inside = and_(col(Transition.at) >= start, col(Transition.at) < end)
    return and_(
        col(Transition.service_id).is_not(None), or_(col(Transition.id).in_(opening), inside)
    )


async def spans_of_services(
    session: AsyncSession,
    region_of: Mapping[int, str],
    *,
    start: datetime,
    end: datetime,
    until: datetime | None = None,
) -> dict[str, list[Span]]:
    """The spans in [start, end) of the regions of `region_of`'s services (service id ->
    region), from their transitions in one query. `until`: where the last span of each
    service ends instead of `end`, for spans kept while time goes on (transitions are still
    read only before `end`)."""
    if not region_of:
        return {}
    query = mark_columns().where(_in_window(start, end))
    if len(region_of) < MAX_LISTED:  # a few regions' services: only theirs
        query = query.where(col(Transition.service_id).in_(sorted(region_of)))
    marks: dict[int, list[Mark]] = defaultdict(list)
    rows = (await (await session.connection()).execute(query.order_by(col(Transition.id)))).all()
    for service_id, at, to_state, reason, governing in rows:
        if service_id is not None and service_id in region_of:
            marks[service_id].append(mark_of(at, to_state, reason, governing))
    timelines: dict[str, list[list[Span]]] = defaultdict(list)
    last = end if until is None else until
    for service_id in sorted(region_of):
        spans = service_spans(marks.get(service_id, []), start=start, end=last)
        timelines[region_of[service_id]].append(spans)
    return {code: worst_spans(lines) for code, lines in timelines.items()}


async def service_fingerprints(
    session: AsyncSession, *, start: datetime, end: datetime
) -> dict[int, tuple[Any, ...]]:
    """Per service, a summary of exactly the rows `spans_of_services` reads for [start, end)
    that changes whenever they do: their count, largest id and sum of ids (a transition
    committed late, on PostgreSQL below an id already seen, still changes the count), and of
    the incidents they belong to, how many and their latest update (an incident's governing
    cause, which the marks count downtime under, changes only with its `updated_at`). One
    aggregate query: rows stay in the database."""
    query = (
        sa_select(
            col(Transition.service_id),
            func.count(),
            func.max(Transition.id),
            func.sum(Transition.id),
            func.count(col(Incident.id)),
            func.max(Incident.updated_at),
        )
        .select_from(Transition)
        .outerjoin(Incident, col(Incident.id) == col(Transition.incident_id))
        .where(_in_window(start, end))
        .group_by(col(Transition.service_id))
    )
    rows = (await (await session.connection()).execute(query)).all()
    return {sid: tuple(summary) for sid, *summary in rows if sid is not None}


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    incident: Incident
    region_name: str
    citations: list[dict[str, Any]]
    updates: list[IncidentUpdate]


async def incidents_with_context(
    session: AsyncSession,
    *,
    active: bool | None = None,
    region_prefix: str | None = None,
    limit: int = 100,
) -> list[IncidentRecord]:
    """Incidents newest first, with their region's name, cited letters and updates."""
    rows = await list_incidents(session, active=active, region_prefix=region_prefix, limit=limit)
    ids = [i.id for i in rows if i.id is not None]
    cited = await declarations_cited(session, ids)
    updates = await updates_of_incidents(session, ids)
    codes = {i.region_code for i in rows}
    names: dict[str, str] = {}
    if codes:
        query_names = select(Region.code, Region.name).where(col(Region.code).in_(codes))
        names = dict((await session.exec(query_names)).all())
    return [
        IncidentRecord(
            i, names.get(i.region_code, i.region_code), cited[i.id or 0], updates[i.id or 0]
        )
        for i in rows
    ]


async def warnings_in_force(session: AsyncSession) -> list[Declaration]:
    """Every warning (teguran) in force, the nearest deadline first."""
    codes = (await session.exec(select(Declaration.region_code).distinct())).all()
    forces = await in_force_by_region(session, list(codes))
    warnings = [f.warning for f in forces.values() if f.warning is not None]
    return sorted(warnings, key=lambda w: (w.deadline is None, w.deadline or EARLIEST, w.id))


async def maintenance_ahead(session: AsyncSession, *, now: datetime) -> list[ScheduledWindow]:
    """Maintenance windows under way or starting within 14 days, the soonest first."""
    end = now + MAINTENANCE_HORIZON
    windows = scheduled(await windows_overlapping(session, start=now, end=end), start=now, end=end)
    return sorted(windows, key=lambda w: (w.occurrences[0].starts_at, w.window_id))


async def region_names(session: AsyncSession) -> dict[str, str]:
    return dict((await session.exec(select(Region.code, Region.name))).all())
