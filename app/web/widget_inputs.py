"""The widget's inputs for every regency and city at once: their statuses and notes, their 30
days' spans and their newest incidents, read in a handful of queries once per data version
(and the read cache's max_age). Portals embed the widget for every region, so when answers
expire together a per-region read (some eight queries, about 5 ms) per region, language and
encoding takes most of a core; from these a rebuild is only the render. A province (the
worst of all under it) is read on its own, as before."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import RegionLevel
from app.core.episodes import Episode
from app.core.uptime_maths import Span
from app.reads.cache import ReadCache
from app.reads.region_notes import NO_NOTES, load_region_notes
from app.reads.region_shapes import RegionStatus
from app.reads.region_status import region_status
from app.store.models import Incident, Region
from app.store.regions import services_of_regions
from app.store.snapshot import DataVersion
from app.store.types import utcnow
from app.web.loaders import REGION_INCIDENTS
from app.web.queries import region_spans
from app.web.region_view import UPTIME_WINDOWS


@dataclass(frozen=True, slots=True)
class WidgetInputs:
    """What `loaders.current_status`, `spans_of` and `recent_episodes` read for one region at
    `now`, the instant they were read: the widget is drawn as of then."""

    now: datetime
    status: RegionStatus
    spans: list[Span]
    episodes: list[Episode]


async def newest_episodes(session: AsyncSession, limit: int) -> dict[str, list[Episode]]:
    """Each region's `limit` newest incidents, newest first by start (as `list_incidents`
    orders them), in one windowed query."""
    rank = (
        func.row_number()
        .over(
            partition_by=col(Incident.region_code),
            order_by=(col(Incident.started_at).desc(), col(Incident.id).desc()),
        )
        .label("rank")
    )
    ranked = select(
        col(Incident.region_code), col(Incident.started_at), col(Incident.ended_at), rank
    ).subquery()
    query = (
        select(ranked.c.region_code, ranked.c.started_at, ranked.c.ended_at)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.region_code, ranked.c.rank)
    )
    episodes: dict[str, list[Episode]] = defaultdict(list)
    rows = (await (await session.connection()).execute(query)).all()
    for code, started_at, ended_at in rows:
        episodes[code].append(Episode(started_at, ended_at))
    return episodes


async def country_widget_inputs(cache: ReadCache, version: DataVersion) -> dict[str, WidgetInputs]:
    """Every regency's and city's widget inputs, by code, once per data version."""

    async def build() -> dict[str, WidgetInputs]:
        now = utcnow()
        async with cache.database.read() as session:
            query = select(Region).where(col(Region.level) != RegionLevel.PROVINCE)
            regions = list((await session.exec(query)).all())
            services = await services_of_regions(session, [r.code for r in regions])
            base_url = cache.database.settings.public_base_url
            notes = await load_region_notes(session, services, now=now, base_url=base_url)
            start = now - UPTIME_WINDOWS["30d"]
            spans = await region_spans(session, start=start, end=now)
            episodes = await newest_episodes(session, REGION_INCIDENTS)
        return {
            r.code: WidgetInputs(
                now=now,
                status=region_status(r, services[r.code], notes.get(r.code, NO_NOTES)),
                spans=spans.get(r.code, []),
                episodes=episodes.get(r.code, []),
            )
            for r in regions
        }

    return await cache.get("widget-country", version, build)
