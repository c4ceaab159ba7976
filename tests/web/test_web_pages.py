"""The status page, region pages and widget over the real app, on SQLite and PostgreSQL:
language negotiation, every region present, incidents with their letters, warnings,
maintenance, uptime bars, 404 pages, and markup a strict CSP allows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.core.domain import Reason
from app.core.regions.registry import load_regions
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import add_service, probe
from tests.support.pages import (
    LETTER,
    UPDATE,
    WARNING_REFERENCE,
    assert_csp_friendly,
    html_lang,
    seed_country,
)


def region_row(body: str, code: str) -> str:
    found = re.search(rf'<li class="region" data-code="{re.escape(code)}">(.*?)</li>', body, re.S)
    assert found is not None, code
    return found.group(1)


LANGUAGE_CASES = [
    ({}, {}, "id", "Gambaran nasional"),
    ({"lang": "en"}, {}, "en", "National picture"),
    ({}, {"Accept-Language": "en-US,en;q=0.9"}, "en", "National picture"),
    ({"lang": "id"}, {"Accept-Language": "en"}, "id", "Gambaran nasional"),  # the query wins
]


async def test_status_page_language(client: httpx.AsyncClient) -> None:
    for params, headers, lang, heading in LANGUAGE_CASES:
        response = await client.get("/", params=params, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["content-language"] == lang
        assert "accept-language" in response.headers["vary"].lower()
        assert html_lang(response.text) == lang and heading in response.text, (params, headers)


async def test_unsupported_language_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.get("/", params={"lang": "fr"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "lang"]


async def test_every_province_and_region_is_on_the_page(client: httpx.AsyncClient) -> None:
    body = (await client.get("/")).text
    provinces = [r for r in load_regions() if r.parent_code is None]
    places = [r for r in load_regions() if r.parent_code is not None]
    assert re.findall(r'data-province="([\d.]+)"', body) == [p.code for p in provinces]
    assert re.findall(r'data-code="([\d.]+)"', body) == [r.code for r in places]
    assert len(provinces) == 38 and len(places) == 514
    assert "0 dari 514 kabupaten/kota terdampak" in body
    for landmark in ("<header", "<main", "<nav", "<footer"):
        assert landmark in body
    assert_csp_friendly(body)


async def test_status_page_tells_the_story(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await seed_country(client, database, admin_headers)
    body = (await client.get("/")).text
    newest = (await client.get("/api/v1/regions/73/history")).json()["items"][0]["id"]
    # The live stream picks up right after the newest transition the page shows.
    assert f'data-live="/api/v1/events?last_event_id={newest}"' in body
    assert "1 dari 514 kabupaten/kota terdampak" in body
    assert "1 of 514 regencies/cities affected" in body  # English beside it
    palopo = region_row(body, "73.73")
    assert 'class="chip state-outage"' in palopo and "Terputus" in palopo
    assert "Pemutusan akses oleh pusat" in palopo
    # An hour of timeouts before the letter: the cut's, as the incident says (#17).
    assert 'class="c-policy"' in palopo and "diputus pusat, " in palopo
    assert 'class="c-network"' not in palopo and "jaringan, " not in palopo
    makassar = region_row(body, "73.71")
    assert 'class="chip state-operational"' in makassar and "<svg" in makassar
    assert "tidak dipantau" in region_row(body, "31.71")
    assert re.search(r'<details class="province" data-province="73" open>', body)
    assert not re.search(r'<details class="province" data-province="31" open>', body)
    incidents = body.split('id="incidents-h"')[1].split('id="warnings-h"')[0]
    assert "Kota Palopo" in incidents and LETTER["reference"] in incidents
    assert LETTER["issuer"] in incidents and UPDATE["body_id"] in incidents
    assert re.search(r"</(?:a|strong)> oleh " + re.escape(LETTER["issuer"]), incidents)
    warnings = body.split('id="warnings-h"')[1].split('id="maintenance-h"')[0]
    assert "Kota Makassar" in warnings and WARNING_REFERENCE in warnings and "Tenggat" in warnings
    maintenance = body.split('id="maintenance-h"')[1].split('id="regions-h"')[0]
    assert "Migrasi data SIAK" in maintenance and "Jawa Barat" in maintenance
    assert_csp_friendly(body)

    english = (await client.get("/", params={"lang": "en"})).text
    assert "Access cut off by central authority" in region_row(english, "73.73")
    assert UPDATE["body_en"] in english and "Deadline" in english


async def test_operator_text_is_escaped(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    hostile = '<script>alert("x")</script> & <b>'
    sid = await add_service(database, "73.73")
    await probe(database, sid, Reason.OK, utcnow())
    window = {
        "title": hostile,
        "starts_at": utcnow().isoformat(),
        "ends_at": (utcnow() + timedelta(hours=1)).isoformat(),
        "regions": ["73.73"],
    }
    response = await client.post("/api/v1/maintenance", json=window, headers=admin_headers)
    assert response.status_code == 201, response.text
    for path in ("/", "/regions/73.73"):
        body = (await client.get(path)).text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in body, path
        assert hostile not in body and "<b>" not in body
        assert_csp_friendly(body)


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: object) -> None:
        statement = str(args[2])
        # Our queries, not the driver's own (asyncpg asks the catalogue about types, pings).
        if " FROM " in statement.upper() and "pg_" not in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


async def test_the_page_costs_the_same_queries_for_one_region_or_many(
    client: httpx.AsyncClient, database: Database
) -> None:
    async def monitor(code: str) -> None:
        sid = await add_service(database, code)
        await probe(database, sid, Reason.OK, utcnow(), region=code)
        await probe(database, sid, Reason.UPSTREAM_ERROR, utcnow(), region=code)

    await monitor("73.73")
    with counting_statements() as one:
        assert (await client.get("/")).status_code == 200
    for code in [r.code for r in load_regions() if r.parent_code][::100][:5]:
        await monitor(code)
    with counting_statements() as six:
        assert (await client.get("/", params={"lang": "en"})).status_code == 200
    assert len(one) == len(six) <= 15, six


async def test_region_page_timeline_uptime_incidents(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await seed_country(client, database, admin_headers)
    response = await client.get("/regions/7373")
    assert response.status_code == 200 and html_lang(response.text) == "id"
    body = response.text
    assert "<h1>Kota Palopo" in body and "Sulawesi Selatan" in body
    timeline = body.split('id="timeline-h"')[1].split("</table>")[0]
    assert timeline.count("<tr>") == 4  # header + 3 transitions, newest first
    assert "pernyataan operator" in timeline and "pemeriksaan otomatis" in timeline
    assert LETTER["reference"] in timeline and "Waktu koneksi habis" in timeline
    uptime = body.split('id="uptime-h"')[1].split("</table>")[0]
    assert re.findall(r'data-window="([^"]+)"', uptime) == ["24 jam", "30 hari", "90 hari"]
    causes = " ".join(re.findall(r'<td class="by-cause"[^>]*>(.*?)</td>', uptime, re.S))
    # The hour of timeouts before the letter is the cut's, as the incident says (#17).
    assert "diputus pusat" in causes and "jaringan" not in causes and "<svg" in uptime
    incidents = body.split('id="region-incidents-h"')[1]
    assert UPDATE["body_id"] in incidents and LETTER["reference"] in incidents
    assert 'class="notice declaration"' in body and LETTER["url"] in body
    assert_csp_friendly(body)

    english = (await client.get("/regions/73.73", params={"lang": "en"})).text
    assert html_lang(english) == "en" and "operator declaration" in english
    assert UPDATE["body_en"] in english and "Timeline of changes" in english


async def test_province_page_covers_its_regions(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await seed_country(client, database, admin_headers)
    body = (await client.get("/regions/73")).text
    assert "<h1>Sulawesi Selatan" in body and 'class="chip state-outage"' in body
    assert body.split('id="timeline-h"')[1].count("Kota Palopo") == 0  # services, not names
    assert "SIAK 73.71" in body and "SIAK 73.73" in body


async def test_unknown_or_malformed_region_is_a_404_page(client: httpx.AsyncClient) -> None:
    for code in ["99.99", "73.98", "abc", "7", "73.73.01", "%3Cb%3E"]:
        for path in (f"/regions/{code}", f"/widget/{code}"):
            response = await client.get(path, params={"lang": "en"})
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("text/html")
            assert html_lang(response.text) == "en" and "not found" in response.text
            assert "<b>" not in response.text


async def test_widget_is_small_and_self_contained(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await seed_country(client, database, admin_headers)
    response = await client.get("/widget/73.73")
    assert response.status_code == 200 and html_lang(response.text) == "id"
    body = response.text
    assert "Kota Palopo" in body and 'class="chip state-outage"' in body
    assert "Pemutusan akses oleh pusat" in body and "Ketersediaan 30 hari" in body
    assert "pantau.css" not in body and "/static/widget.css" in body
    assert re.findall(r"<script[^>]*>", body) == ['<script src="/static/widget.js" defer>']
    assert_csp_friendly(body)
    english = (await client.get("/widget/73.73", headers={"Accept-Language": "en"})).text
    assert "Access cut off by central authority" in english and "30-day uptime" in english


async def test_static_files_are_served(client: httpx.AsyncClient) -> None:
    for path, kind in [
        ("/static/embed.js", "javascript"),
        ("/static/live.js", "javascript"),
        ("/static/pantau.css", "text/css"),
        ("/static/widget.css", "text/css"),
        ("/static/widget.js", "javascript"),
    ]:
        response = await client.get(path)
        assert response.status_code == 200 and kind in response.headers["content-type"], path
    embed = (await client.get("/static/embed.js")).text
    assert "/widget/" in embed and "data-region" in embed
