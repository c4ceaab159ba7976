"""What the outage report reads: the incidents overlapping a range, oldest first, and the
services each region's coverage is computed from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Category
from app.store.history import in_region
from app.store.models import Incident, Service


async def incidents_overlapping(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    region_prefix: str | None = None,
    category: Category | None = None,
    limit: int,
) -> list[Incident]:
    """Incidents with any time in [start, end), oldest first by (started_at, id); `category`
    is the governing cause's. At most `limit`."""
    ended = col(Incident.ended_at)
    query = select(Incident).where(
        col(Incident.started_at) < end, or_(ended.is_(None), ended > start)
    )
    if region_prefix is not None:
        query = query.where(in_region(col(Incident.region_code), region_prefix))
    if category is not None:
        query = query.where(col(Incident.category) == str(category))
    order = (col(Incident.started_at), col(Incident.id))
    return list((await session.exec(query.order_by(*order).limit(limit))).all())


async def watched_services_of(
    session: AsyncSession, region_codes: Collection[str]
) -> dict[str, list[int]]:
    """Each region's non-paused services by id, as its uptime and coverage read them."""
    by_region: dict[str, list[int]] = defaultdict(list)
    if not region_codes:
        return {}
    query = (
        select(Service.id, Service.region_code)
        .where(col(Service.region_code).in_(set(region_codes)), col(Service.is_paused).is_(False))
        .order_by(col(Service.id))
    )
    for service_id, code in (await session.exec(query)).all():
        if service_id is not None:
            by_region[code].append(service_id)
    return {code: by_region.get(code, []) for code in region_codes}
