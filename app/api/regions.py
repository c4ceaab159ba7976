"""Regions and their current state: what municipal portals read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.core.domain import Category, RegionLevel, State
from app.core.errors import InvalidInput, NotFound
from app.core.regions.overview import RegionView
from app.core.regions.search import region_index
from app.http.deps import ReadCacheDep, ReadSession
from app.http.region_codes import RegionCode, optional_region_code
from app.http.responses import NOT_MODIFIED, not_found
from app.http.search_query import SearchQuery
from app.reads.region_notes import NO_NOTES, load_region_notes
from app.reads.region_shapes import (
    RegionPage,
    RegionStatus,
)
from app.reads.region_status import region_status
from app.store import regions as store
from app.store.types import utcnow

router = APIRouter(prefix="/api/v1/regions", tags=["regions"])

NOT_FOUND = not_found("region has this code")


def _province_code(value: str | None) -> str | None:
    code = optional_region_code(value, "province")
    if code is not None and "." in code:
        raise InvalidInput(("query", "province"), "not a province code (two digits)", value)
    return code


def _best_first(views: list[RegionView], query: str) -> list[RegionView]:
    """The views matching a search, best match first."""
    by_code = {v.code: v for v in views}
    return [by_code[m.code] for m in region_index().search(query) if m.code in by_code]


def _after(views: list[RegionView], after: str | None, *, ranked: bool) -> list[RegionView]:
    """The views past the cursor: past its code in code order, past its place when ranked."""
    if after is None:
        return views
    if not ranked:
        return [v for v in views if v.code > after]
    codes = [v.code for v in views]
    return views[codes.index(after) + 1 :] if after in codes else []


@router.get("", response_model=RegionPage, responses=NOT_MODIFIED)
async def list_regions(
    session: ReadSession,
    cache: ReadCacheDep,
    q: SearchQuery = None,
    level: RegionLevel | None = None,
    parent: Annotated[str | None, Query(description="Parent province code, e.g. `73`")] = None,
    province: Annotated[
        str | None, Query(description="A province and its regencies and cities, e.g. `73`")
    ] = None,
    state: Annotated[State | None, Query(description="Current state")] = None,
    category: Annotated[
        Category | None, Query(description="A service of the region is down for this cause")
    ] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=600)] = 100,
) -> RegionPage:
    """Regions in code order, with their current state; filter by level, parent, province,
    state and cause. A province's state summarises its regencies and cities. With `q`, only
    the regions matching it, best match first (the cursor keeps that order)."""
    overview = await cache.overview(await cache.version())
    views = overview.select(
        level=level,
        parent=optional_region_code(parent, "parent"),
        province=_province_code(province),
        state=state,
        category=category,
    )
    if q is not None:
        views = _best_first(views, q)
    after = optional_region_code(cursor, "cursor")
    remaining = _after(views, after, ranked=q is not None)
    page = remaining[:limit]
    services = await store.services_of_regions(session, [v.code for v in page])
    base_url = cache.database.settings.public_base_url
    notes = await load_region_notes(session, services, now=utcnow(), base_url=base_url)
    items = [
        region_status(v.row, services[v.code], notes.get(v.code, NO_NOTES), view=v) for v in page
    ]
    next_cursor = page[-1].code if len(remaining) > limit else None
    return RegionPage(items=items, next_cursor=next_cursor, total=len(views))


@router.get("/{code}", response_model=RegionStatus, responses=NOT_FOUND)
async def get_region(code: RegionCode, session: ReadSession, cache: ReadCacheDep) -> RegionStatus:
    """One region's current state, since when, and why; `unknown` while nothing monitors it.
    A province's state summarises its regencies and cities."""
    region = await store.get_region(session, code)
    if region is None:
        raise NotFound("region", code)
    view = None
    if region.level == RegionLevel.PROVINCE:
        view = (await cache.overview(await cache.version())).regions.get(code)
    services = await store.services_of_regions(session, [code])
    base_url = cache.database.settings.public_base_url
    notes = await load_region_notes(session, services, now=utcnow(), base_url=base_url)
    return region_status(region, services[code], notes.get(code, NO_NOTES), view=view)
