"""The widget drawn from the country's inputs (app/web/widget_inputs.py) is the widget drawn
from one region's reads at the same instant, byte for byte: a cutoff citing a letter, a
warning, maintenance under way, an ended incident, a region without services, a province (read
on its own), in both languages; and a transition changes the served widget at once. On SQLite
and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

import httpx
from sqlmodel import col, select

from app.core.domain import Reason
from app.core.episodes import Episode
from app.core.uptime_maths import Span
from app.reads.cache import ReadCache
from app.reads.region_shapes import RegionStatus
from app.store.db import Database
from app.store.models import Region
from app.store.types import utcnow
from app.web.i18n import Lang
from app.web.loaders import current_status, recent_episodes, spans_of
from app.web.region_view import UPTIME_WINDOWS
from app.web.render import render_html
from app.web.widget_inputs import country_widget_inputs
from app.web.widget_view import widget_view
from tests.factories import add_service, probe
from tests.support.widget_cases import DENPASAR, MAKASSAR, PALOPO, seed_widget_cases

UNWATCHED = "73.72"  # a regency without services


def _drawn(
    status: RegionStatus, spans: Sequence[Span], now: datetime, lang: Lang, episodes: list[Episode]
) -> bytes:
    view = widget_view(status, spans, now, lang, episodes=episodes)
    label = "Ketersediaan 30 hari" if lang == "id" else "30-day uptime"
    return render_html("widget.html", lang, view=view, uptime_label=label)


async def test_country_inputs_draw_the_same_widget_as_one_regions_reads(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await seed_widget_cases(client, database, admin_headers)
    cache = ReadCache(database)
    country = await country_widget_inputs(cache, await cache.version())
    assert PALOPO in country and UNWATCHED in country and "73" not in country  # no provinces
    assert country[PALOPO].episodes and country[PALOPO].spans
    compared = 0
    for code in (PALOPO, MAKASSAR, DENPASAR, UNWATCHED):
        kept = country[code]
        now = kept.now
        async with database.read() as session:
            region = await session.get(Region, code)
            assert region is not None
            status = await current_status(session, cache, region, now=now)
            start = now - UPTIME_WINDOWS["30d"]
            spans = await spans_of(session, code, start=start, end=now)
            episodes = await recent_episodes(session, code)
        assert kept.status == status and kept.episodes == episodes
        languages: tuple[Lang, ...] = ("id", "en")
        for lang in languages:
            alone = _drawn(status, spans, now, lang, episodes)
            assert _drawn(kept.status, kept.spans, now, lang, kept.episodes) == alone, code
            compared += 1
    assert compared == 8


async def test_a_transition_changes_the_widget_at_once(
    client: httpx.AsyncClient, database: Database
) -> None:
    sid = await add_service(database, PALOPO)
    await probe(database, sid, Reason.OK, utcnow())
    first = await client.get(f"/widget/{PALOPO}")
    assert b'data-state="operational"' in first.content
    await probe(database, sid, Reason.NETWORK_TIMEOUT, utcnow())
    down = await client.get(f"/widget/{PALOPO}")
    assert b'data-state="outage"' in down.content
    # A province is read on its own and shows what is under it.
    province = await client.get("/widget/73")
    assert province.status_code == 200 and b'data-state="outage"' in province.content


async def test_many_widgets_at_once_while_the_country_is_read(
    client: httpx.AsyncClient, database: Database
) -> None:
    # More than the read pool holds (SQLite 5, PostgreSQL 20): a request that held a
    # connection while it waited for the country's inputs would starve their one read.
    async with database.read() as session:
        regencies = select(Region.code).where(col(Region.parent_code).is_not(None))
        codes = list((await session.exec(regencies.order_by(col(Region.code)).limit(32))).all())
    assert len(codes) == 32
    asked = asyncio.gather(*(client.get(f"/widget/{code}") for code in codes))
    answers = await asyncio.wait_for(asked, timeout=20)
    assert [a.status_code for a in answers] == [200] * 32
    assert all(
        f'data-region="{code}"'.encode() in a.content
        for code, a in zip(codes, answers, strict=True)
    )
