"""The pages' database reads, gathered into the pure builders' inputs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import RegionLevel
from app.core.episodes import Episode
from app.core.uptime_maths import Span, service_spans, worst_spans
from app.reads.cache import ReadCache
from app.reads.region_notes import NO_NOTES, load_region_notes
from app.reads.region_shapes import RegionStatus
from app.reads.region_status import region_status
from app.store.agents import region_vantage
from app.store.history import data_since, history, uptime_marks, watched_services
from app.store.incidents import list_incidents
from app.store.models import Region, Service, Transition
from app.store.regions import services_of_regions
from app.store.waves import active_waves
from app.web.bars import DAYS
from app.web.bars_cache import BarsCache
from app.web.queries import (
    incidents_with_context,
    maintenance_ahead,
    region_names,
    region_spans,
    warnings_in_force,
)
from app.web.region_view import RegionInputs
from app.web.status_view import StatusInputs

TIMELINE_LIMIT = 100
REGION_INCIDENTS = 20


async def status_inputs(
    cache: ReadCache, *, now: datetime, bars: BarsCache | None = None
) -> StatusInputs:
    """`bars`: the process's kept bars, brought up to date; without it every region's spans
    are read and drawn from nothing."""
    version = await cache.version()
    async with cache.database.read() as session:
        # Read before the overview: the page's live stream resumes after this id, so a
        # transition committed while the page is built is replayed rather than missed.
        newest_id = (await session.exec(select(func.max(Transition.id)))).one() or 0
    overview = await cache.overview(version)
    async with cache.database.read() as session:
        if bars is None:
            spans = await region_spans(session, start=now - timedelta(days=DAYS), end=now)
            kept = None
        else:
            spans, kept = {}, await bars.regions(session, now=now)
        incidents = await incidents_with_context(session, active=True)
        warnings = await warnings_in_force(session)
        maintenance = await maintenance_ahead(session, now=now)
        names = await region_names(session)
        waves = await active_waves(session)
    return StatusInputs(
        overview=overview,
        spans=spans,
        incidents=incidents,
        warnings=warnings,
        maintenance=maintenance,
        names=names,
        updated_at=version.newest_at,
        newest_transition_id=int(newest_id),
        now=now,
        waves=waves,
        bars=kept,
    )


async def current_status(
    session: AsyncSession, cache: ReadCache, region: Region, *, now: datetime
) -> RegionStatus:
    """As `GET /api/v1/regions/{code}` reads it."""
    view = None
    if region.level == RegionLevel.PROVINCE:
        view = (await cache.overview(await cache.version())).regions.get(region.code)
    services = await services_of_regions(session, [region.code])
    base_url = cache.database.settings.public_base_url
    notes = await load_region_notes(session, services, now=now, base_url=base_url)
    return region_status(region, services[region.code], notes.get(region.code, NO_NOTES), view=view)


async def spans_of(
    session: AsyncSession, region_code: str, *, start: datetime, end: datetime
) -> list[Span]:
    """The region's spans: the worst of its non-paused services (a province: of all under it)."""
    ids = await watched_services(session, region_prefix=region_code)
    marks = await uptime_marks(session, service_ids=ids, start=start, end=end)
    return worst_spans([service_spans(marks[i], start=start, end=end) for i in ids])


async def recent_episodes(session: AsyncSession, region_code: str) -> list[Episode]:
    """The region's newest incidents (a province: those under it), its open one among them."""
    rows = await list_incidents(session, region_prefix=region_code, limit=REGION_INCIDENTS)
    return [Episode(i.started_at, i.ended_at) for i in rows]


async def region_inputs(
    session: AsyncSession,
    cache: ReadCache,
    region: Region,
    *,
    now: datetime,
    agents_stale_after: timedelta,
) -> RegionInputs:
    status = await current_status(session, cache, region, now=now)
    parent = await session.get(Region, region.parent_code) if region.parent_code else None
    transitions = await history(session, region_prefix=region.code, limit=TIMELINE_LIMIT)
    ids = {t.service_id for t in transitions if t.service_id is not None}
    names: dict[int, str] = {}
    if ids:
        query = select(Service.id, Service.name).where(col(Service.id).in_(ids))
        names = {sid: name for sid, name in (await session.exec(query)).all() if sid}
    stale_since = now - agents_stale_after
    watched = await watched_services(session, region_prefix=region.code)
    return RegionInputs(
        status=status,
        parent_name=parent.name if parent else None,
        spans=await spans_of(session, region.code, start=now - timedelta(days=DAYS), end=now),
        transitions=transitions,
        service_names=names,
        incidents=await incidents_with_context(
            session, region_prefix=region.code, limit=REGION_INCIDENTS
        ),
        vantage=await region_vantage(session, region.code, since=stale_since),
        agents_stale_since=stale_since,
        now=now,
        monitored_since=await data_since(session, service_ids=watched),
    )
