"""Badges for portals and READMEs: `/badge/{code}.svg` (state and cause) and
`/badge/{code}/uptime.svg?window=30d`. Cacheable for a minute, tagged with an ETag; an unknown
or malformed code gets a "not found" badge with a 404 status, so an embed never breaks."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response

from app.core.uptime_maths import WINDOWS, Uptime, uptime
from app.http.deps import ReadCacheDep
from app.http.region_codes import region_code_or_none
from app.http.responses import NOT_MODIFIED, Responses
from app.reads.cache import ReadCache, reads_no_clock, weak_etag
from app.store.snapshot import DataVersion
from app.store.types import utcnow
from app.web.badge_svg import Badge, not_found_badge, render, status_badge, uptime_badge
from app.web.i18n import Lang, negotiate
from app.web.loaders import spans_of
from app.web.queries import region_spans, warnings_in_force

router = APIRouter(tags=["badges"])

BADGE_CACHE = "public, max-age=60"
SVG = "image/svg+xml"
UptimeWindow = Literal["24h", "7d", "30d", "90d"]
LangQuery = Annotated[Lang | None, Query(description="`id` (default) or `en`")]
AcceptLanguage = Annotated[str | None, Header(include_in_schema=False)]
BADGE_DOC: Responses = {
    200: {"content": {SVG: {}}, "description": "A shields-style SVG badge"},
    404: {"content": {SVG: {}}, "description": "A 'not found' badge: no region has this code"},
    **NOT_MODIFIED,
}


def svg_response(badge: Badge, *, status_code: int = 200) -> Response:
    body = render(badge).encode()
    headers = {"Cache-Control": BADGE_CACHE, "ETag": weak_etag(body), "Vary": "Accept-Language"}
    return Response(body, status_code=status_code, media_type=SVG, headers=headers)


async def warned_regions(cache: ReadCache, version: DataVersion) -> frozenset[str]:
    """The codes of the regions under a warning (teguran) in force, once per data version."""

    async def build() -> frozenset[str]:
        async with cache.database.read() as session:
            return frozenset(w.region_code for w in await warnings_in_force(session))

    return await cache.get("warned-regions", version, build)


async def country_uptime(
    cache: ReadCache, version: DataVersion, window: UptimeWindow
) -> dict[str, Uptime]:
    """Every monitored regency's and city's uptime over the window, from one read of the
    country's spans, once per data version (and the cache's max_age): one region's spans
    cost as much to read as all of them, and portals ask for every region's badge."""

    async def build() -> dict[str, Uptime]:
        end = utcnow()
        start = end - WINDOWS[window]
        async with cache.database.read() as session:
            spans = await region_spans(session, start=start, end=end)
        return {code: uptime(s, start=start, end=end) for code, s in spans.items()}

    return await cache.get(("badge-uptime-country", window), version, build)


@router.get("/badge/{code}.svg", response_class=Response, responses=BADGE_DOC)
async def state_badge(
    code: str, cache: ReadCacheDep, lang: LangQuery = None, accept_language: AcceptLanguage = None
) -> Response:
    """The region's state, and its cause's short word when it is not operational; "warning"
    for an operational region under a warning (teguran) in force."""
    reads_no_clock()  # the overview and the warnings in force are the data's alone
    chosen = negotiate(lang, accept_language)
    normalized = region_code_or_none(code)
    version = await cache.version()
    overview = await cache.overview(version)
    view = overview.regions.get(normalized) if normalized else None
    if view is None:
        return svg_response(not_found_badge(chosen), status_code=404)
    warned = view.row.code in await warned_regions(cache, version)
    badge = status_badge(
        view.row.name, view.state, view.reason, chosen, monitored=view.is_monitored, warned=warned
    )
    return svg_response(badge)


@router.get("/badge/{code}/uptime.svg", response_class=Response, responses=BADGE_DOC)
async def uptime_badge_route(
    code: str,
    cache: ReadCacheDep,
    window: Annotated[UptimeWindow, Query(description="How far back from now")] = "30d",
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """Availability to citizens over the window, as `GET /api/v1/regions/{code}/uptime`, with
    its coverage: the data's length instead of a percentage while under half the window was
    observed ("data 1 mnt" / "1 min data"), beside it while not all of it was."""
    chosen = negotiate(lang, accept_language)
    normalized = region_code_or_none(code)
    version = await cache.version()
    overview = await cache.overview(version)
    if normalized is None or normalized not in overview.regions:
        return svg_response(not_found_badge(chosen), status_code=404)

    async def computed() -> Uptime:
        end = utcnow()
        start = end - WINDOWS[window]
        async with cache.database.read() as session:
            spans = await spans_of(session, normalized, start=start, end=end)
        return uptime(spans, start=start, end=end)

    # A province (the worst of all under it) or a region without services: on its own.
    value = None
    if overview.regions[normalized].row.parent_code is not None:
        value = (await country_uptime(cache, version, window)).get(normalized)
    if value is None:
        value = await cache.get(("badge-uptime", normalized, window), version, computed)
    return svg_response(uptime_badge(window, value, chosen))
