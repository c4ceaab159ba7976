"""HTML pages: the national status page `/`, a region's page `/regions/{code}` and the
embeddable widget `/widget/{code}`. They work without JavaScript; `live.js` keeps `/` current
over the SSE stream."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import RedirectResponse

from app.core.regions.search import Match, clean_query, region_index
from app.http.deps import ReadCacheDep, ReadSession, SettingsDep
from app.http.region_codes import region_code_or_none
from app.http.search_query import SearchQuery
from app.http.slash_redirect import redirect_location
from app.settings import Settings
from app.store.models import Region
from app.store.types import utcnow
from app.web.bars_cache import BarsCache
from app.web.i18n import Lang, negotiate, other, words
from app.web.loaders import (
    current_status,
    recent_episodes,
    region_inputs,
    spans_of,
    status_inputs,
)
from app.web.map_view import national_map, province_map
from app.web.region_view import UPTIME_WINDOWS, region_page
from app.web.render import html_response, render_html
from app.web.search_view import search_box, search_provinces, suggestions
from app.web.status_view import StatusInputs, status_page
from app.web.widget_inputs import country_widget_inputs
from app.web.widget_view import widget_view

router = APIRouter(include_in_schema=False)

LangQuery = Annotated[Lang | None, Query(description="`id` (default) or `en`")]
AcceptLanguage = Annotated[str | None, Header()]


def not_found_page(code: str, lang: Lang, offered: Sequence[Match] = ()) -> Response:
    body = render_html(
        "not_found.html",
        lang,
        w=words(lang),
        other_lang=other(lang),
        code=code,
        suggestions=offered,
    )
    return html_response(body, lang, status_code=404)


def named_region(raw: str, lang: Lang, lang_query: Lang | None, settings: Settings) -> Response:
    """A region page asked for by name (`/regions/palopo`, `/regions/kota-palopo`): a redirect
    to its code's page when the name is one region's, else the 404 page with suggestions."""
    try:
        query = clean_query(raw)
    except ValueError:
        query = None
    if query is None:
        return not_found_page(raw, lang)
    code = region_index().strong_match(query)
    if code is None:
        return not_found_page(raw, lang, suggestions(query))
    query_string = f"lang={lang_query}".encode() if lang_query else b""
    location = redirect_location(f"/regions/{code}", query_string, settings.public_url)
    return RedirectResponse(location, status_code=302)


async def find_region(session: ReadSession, raw_code: str) -> Region | None:
    """The region a path names, `73.73` or `7373`; None when malformed or unknown."""
    code = region_code_or_none(raw_code)
    return None if code is None else await session.get(Region, code)


def kept_bars(request: Request) -> BarsCache | None:
    """The process's kept bars; None (set by bench/page.py to measure what they save) draws
    every region's bars from its spans at each render."""
    bars: BarsCache | None = request.app.state.bars_cache
    return bars


def status_html(inputs: StatusInputs, lang: Lang, q: str | None = None) -> bytes:
    """The status page from its inputs; with `q`, only the provinces that match, best first."""
    page = status_page(inputs, lang)
    if q is not None:
        page = replace(page, provinces=search_provinces(page.provinces, q))
    in_wave = {code for wave in inputs.waves for code in wave.regions}
    return render_html(
        "status.html",
        lang,
        page=page,
        w=page.words,
        other_lang=page.other_lang,
        map_view=national_map(inputs.overview, lang, in_wave=in_wave),
        search=search_box(q, page.provinces),
    )


@router.get("/")
async def status(
    cache: ReadCacheDep,
    bars: Annotated[BarsCache | None, Depends(kept_bars)],
    q: SearchQuery = None,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    chosen = negotiate(lang, accept_language)
    version = await cache.version()

    async def build() -> bytes:
        inputs = await status_inputs(cache, now=utcnow(), bars=bars)
        return status_html(inputs, chosen, q)

    if q is not None:  # not cached: searches are as many as people type
        return html_response(await build(), chosen)
    return html_response(await cache.get(("web-status", chosen), version, build), chosen)


@router.get("/regions/{code}")
async def region(
    code: str,
    session: ReadSession,
    cache: ReadCacheDep,
    settings: SettingsDep,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    chosen = negotiate(lang, accept_language)
    found = await find_region(session, code)
    if found is None:
        return named_region(code, chosen, lang, settings)
    stale_after = timedelta(seconds=settings.agent_stale_after)
    inputs = await region_inputs(
        session, cache, found, now=utcnow(), agents_stale_after=stale_after
    )
    page = region_page(inputs, chosen)
    overview = await cache.overview(await cache.version())
    province = found.parent_code or found.code
    current = found.code if found.parent_code else None
    map_view = province_map(overview, province, chosen, current=current)
    body = render_html(
        "region.html",
        chosen,
        page=page,
        w=page.words,
        other_lang=page.other_lang,
        map_view=map_view,
        subscribe_form=settings.smtp_url is not None,  # app/web/subscriber_pages.py
    )
    return html_response(body, chosen)


@router.get("/widget/{code}")
async def widget(
    code: str,
    session: ReadSession,
    cache: ReadCacheDep,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    chosen = negotiate(lang, accept_language)
    # A regency or city from the country's inputs (app/web/widget_inputs.py), drawn as of
    # when they were read, without a read of its own; a province, or a region added since,
    # on its own.
    normalized = region_code_or_none(code)
    country = await country_widget_inputs(cache, await cache.version())
    kept = country.get(normalized) if normalized is not None else None
    if kept is not None:
        status, spans, episodes, now = kept.status, kept.spans, kept.episodes, kept.now
    else:
        found = await find_region(session, code)
        if found is None:
            message = words(chosen)["not_found"]
            body = render_html("widget_not_found.html", chosen, message=message, code=code)
            return html_response(body, chosen, status_code=404)
        now = utcnow()
        status = await current_status(session, cache, found, now=now)
        spans = await spans_of(session, found.code, start=now - UPTIME_WINDOWS["30d"], end=now)
        episodes = await recent_episodes(session, found.code)
    view = widget_view(status, spans, now, chosen, episodes=episodes)
    uptime_label = "Ketersediaan 30 hari" if chosen == "id" else "30-day uptime"
    body = render_html("widget.html", chosen, view=view, uptime_label=uptime_label)
    return html_response(body, chosen)
