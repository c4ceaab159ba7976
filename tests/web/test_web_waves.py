"""Waves on the status page (one banner; its members not repeated as incidents) and in the
Atom feed (one entry per wave), bilingual."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import httpx
from fastapi import FastAPI

from app.core.domain import Reason, State
from app.core.regions.zones import WIB, WIT
from app.core.waves import WaveScope
from app.store.models import Incident
from app.store.types import utcnow
from app.store.waves import WaveRecord
from app.web.wave_view import banner_text
from tests.support.waves import MALUKU, NATIONAL, T0, at, reconcile


def _wave(scope: WaveScope, area: str, reason: Reason, members: int) -> WaveRecord:
    regions = tuple(f"81.{n:02}" for n in range(1, members + 1))
    return WaveRecord(
        id=1,
        scope=scope,
        area=area,
        reason=reason,
        signature="network.timeout|||",
        regions=regions,
        started_at=T0,
        ended_at=None,
        peak_regions=members,
        announced_regions=regions,
        announced_at=T0,
        updated_at=T0,
    )


def test_banner_lines_in_both_languages() -> None:
    national = _wave(WaveScope.NATIONAL, "national", Reason.UPSTREAM_CENTRAL, 22)
    cut = _wave(WaveScope.ISLAND_GROUP, "8", Reason.NETWORK_BACKBONE, 9)
    assert banner_text(national, at(600), WIB, "id") == (
        "Gangguan server pusat — 22 kabupaten/kota sejak 14.02 WIB"
    )
    assert banner_text(national, at(600), WIB, "en") == (
        "Central system outage — 22 regencies/cities since 14:02 WIB"
    )
    assert banner_text(cut, at(600), WIB, "id") == (
        "Gangguan jaringan antarwilayah (Maluku) — 9 kabupaten/kota sejak 14.02 WIB"
    )
    next_day = banner_text(cut, T0 + timedelta(days=1), WIB, "en")
    assert next_day.endswith("since 29 Nov 2026 14:02 WIB")
    # In another zone, its own clock and name.
    assert banner_text(cut, at(600), WIT, "id").endswith("sejak 16.02 WIT")


async def _incident(app: FastAPI, region: str) -> int:
    async with app.state.db.transaction() as session:
        incident = Incident(
            region_code=region,
            started_at=utcnow(),
            worst_state=State.OUTAGE,
            category="upstream",
            reason=Reason.UPSTREAM_CENTRAL,
        )
        session.add(incident)
        await session.flush()
        assert incident.id is not None
        return incident.id


async def test_an_active_wave_is_one_banner_above_the_regions(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    members = [await _incident(app, code) for code in NATIONAL[:2]]
    outsider = await _incident(app, "81.71")
    await reconcile(app.state.db, NATIONAL, utcnow())

    page = (await client.get("/", params={"lang": "id"})).text
    assert page.count('class="wave-banner') == 1
    assert "Gangguan server pusat — 6 kabupaten/kota sejak" in page
    assert "Central system outage — 6 regencies/cities since" in page  # the other language
    assert page.index('class="wave-banner') < page.index('data-role="live"')
    assert all(f'data-incident="{i}"' not in page for i in members)
    assert f'data-incident="{outsider}"' in page

    english = (await client.get("/", params={"lang": "en"})).text
    assert "<strong>Central system outage — 6 regencies/cities since" in english


async def test_an_ended_wave_leaves_the_page(app: FastAPI, client: httpx.AsyncClient) -> None:
    await reconcile(app.state.db, NATIONAL, utcnow())
    await reconcile(app.state.db, [], utcnow())
    assert 'class="wave-banner' not in (await client.get("/")).text


async def test_the_atom_feed_has_an_entry_per_wave(app: FastAPI, client: httpx.AsyncClient) -> None:
    await reconcile(app.state.db, MALUKU, T0)
    await reconcile(app.state.db, [], at(60))
    await reconcile(app.state.db, NATIONAL, at(120))
    waves = (await client.get("/api/v1/waves")).json()["items"]

    feed = feedparser.parse((await client.get("/feeds/incidents.atom")).text)
    assert not feed.bozo
    assert [e.id for e in feed.entries] == [
        f"http://127.0.0.1:8000/api/v1/waves/{w['id']}" for w in waves
    ]
    national, maluku = feed.entries
    assert national.title == "Gangguan server pusat / Central system outage"
    assert maluku.title.startswith("Gangguan jaringan antarwilayah (Maluku) / Regional backbone")
    assert maluku.title.endswith("selesai / resolved")
    assert "81.01, 81.02, 81.03" in maluku.summary
    assert "sejak 29 Nov 2026 14.02 WIB" in maluku.summary  # the country's feed reads WIB
    assert "since 29 Nov 2026 14:02 WIB" in maluku.summary

    maluku_only = feedparser.parse((await client.get("/feeds/incidents.atom?region=81")).text)
    assert [e.id for e in maluku_only.entries] == [maluku.id]
    # Maluku's feed reads Maluku's zone; the Atom timestamps stay UTC.
    (own,) = maluku_only.entries
    assert "sejak 29 Nov 2026 16.02 WIT" in own.summary and "WIB" not in own.summary
    assert own.published == "2026-11-29T07:02:00Z"
