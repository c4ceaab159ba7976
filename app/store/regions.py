"""Region queries, and the idempotent import of the shipped Kemendagri registry."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import RegionLevel
from app.core.regions.registry import RegionRecord, load_regions
from app.store.models import Region, Service


async def import_regions(
    session: AsyncSession, records: Sequence[RegionRecord] | None = None
) -> int:
    """Insert new regions and update renamed ones; returns how many rows changed."""
    records = load_regions() if records is None else records
    existing = {r.code: r for r in (await session.exec(select(Region))).all()}
    changed = 0
    # Provinces first, so a regency's parent exists when its row is flushed.
    for record in sorted(records, key=lambda r: (r.parent_code is not None, r.code)):
        row = existing.get(record.code)
        wanted = (record.name, str(record.level), record.parent_code)
        if row is not None and (row.name, str(row.level), row.parent_code) == wanted:
            continue
        if row is None:
            row = Region(code=record.code, name=record.name, level=record.level)
        row.name, row.level, row.parent_code = record.name, record.level, record.parent_code
        session.add(row)
        changed += 1
        if record.parent_code is None:
            await session.flush()
    return changed


async def get_region(session: AsyncSession, code: str) -> Region | None:
    return await session.get(Region, code)


@dataclass(frozen=True, slots=True)
class Place:
    """A region with its province, as lists and reports name it."""

    code: str
    name: str
    province_code: str | None  # None for a province itself
    province_name: str | None


async def places(session: AsyncSession, codes: Collection[str]) -> dict[str, Place]:
    """The named regions with their provinces' names (two queries at most); unknown codes are
    absent."""
    if not codes:
        return {}
    rows = (await session.exec(select(Region).where(col(Region.code).in_(set(codes))))).all()
    parents = {r.parent_code for r in rows if r.parent_code is not None}
    names = {r.code: r.name for r in rows}
    if parents - names.keys():
        query = select(Region.code, Region.name).where(col(Region.code).in_(parents))
        names |= dict((await session.exec(query)).all())
    return {
        r.code: Place(
            r.code,
            r.name,
            r.parent_code,
            names.get(r.parent_code) if r.parent_code is not None else None,
        )
        for r in rows
    }


async def list_regions(
    session: AsyncSession,
    *,
    level: RegionLevel | None = None,
    parent_code: str | None = None,
    after_code: str | None = None,
    limit: int = 100,
) -> tuple[list[Region], int]:
    """One page of regions in code order, and how many match in all."""
    query = select(Region)
    if level is not None:
        query = query.where(Region.level == level)
    if parent_code is not None:
        query = query.where(Region.parent_code == parent_code)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    if after_code is not None:
        query = query.where(col(Region.code) > after_code)
    rows = (await session.exec(query.order_by(col(Region.code)).limit(limit))).all()
    return list(rows), total


async def services_of_regions(
    session: AsyncSession, region_codes: Sequence[str]
) -> dict[str, list[Service]]:
    by_region: dict[str, list[Service]] = {code: [] for code in region_codes}
    if not region_codes:
        return by_region
    query = (
        select(Service).where(col(Service.region_code).in_(region_codes)).order_by(col(Service.id))
    )
    for service in (await session.exec(query)).all():
        by_region[service.region_code].append(service)
    return by_region
