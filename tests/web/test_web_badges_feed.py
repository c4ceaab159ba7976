"""Badges and the Atom feed over the real app, on SQLite and PostgreSQL: SVG that parses as
XML, cache headers and 304s, "not found" badges, bad windows, and a feed feedparser reads
without complaint, global and per region."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree as ET

import feedparser
import httpx

from app.core.domain import Reason
from app.settings import Settings
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import add_service, probe
from tests.support.pages import LETTER, UPDATE, seed_country

SVG = "{http://www.w3.org/2000/svg}"


def badge_texts(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


async def test_state_badge_is_cacheable_svg(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await seed_country(client, database, admin_headers)
    response = await client.get("/badge/73.73.svg")
    assert response.status_code == 200
    assert badge_texts(response) == ["e-KTP Kota Palopo", "terputus · diputus pusat"]
    assert response.headers["cache-control"] == "public, max-age=60"
    etag = response.headers["etag"]
    again = await client.get("/badge/7373.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    english = await client.get("/badge/73.73.svg", params={"lang": "en"})
    assert badge_texts(english)[1] == "down · cut off" and english.headers["etag"] != etag
    # Makassar is operational under a warning (teguran): not "normal" (#18).
    assert badge_texts(await client.get("/badge/73.71.svg"))[1] == "peringatan"
    assert badge_texts(await client.get("/badge/31.71.svg"))[1] == "tidak dipantau"
    assert badge_texts(await client.get("/badge/73.svg"))[0] == "e-KTP Sulawesi Selatan"


async def test_unknown_or_malformed_code_gets_a_not_found_badge(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/badge/99.99.svg", "/badge/abc.svg", "/badge/99.99/uptime.svg"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert badge_texts(response) == ["e-KTP", "tidak ditemukan"]
        assert response.headers["cache-control"] == "public, max-age=60"
        assert response.headers["etag"]


async def test_uptime_badge_windows(client: httpx.AsyncClient, database: Database) -> None:
    sid = await add_service(database, "73.73")
    now = utcnow()
    await probe(database, sid, Reason.OK, now - timedelta(hours=26))
    await probe(database, sid, Reason.NETWORK_TIMEOUT, now - timedelta(hours=1))
    await probe(database, sid, Reason.OK, now - timedelta(minutes=30))
    response = await client.get("/badge/73.73/uptime.svg", params={"window": "24h"})
    label, message = badge_texts(response)
    assert response.status_code == 200 and label == "ketersediaan 24 jam"
    percent = float(message.rstrip("%"))
    assert 97.9 < percent < 98.0  # 30 min down of the 24 h, all of them watched
    assert response.headers["cache-control"] == "public, max-age=60" and response.headers["etag"]
    # 26 h of 30 days: the data's length, not a percentage that would pass for 30 days'.
    month = await client.get("/badge/73.73/uptime.svg")
    assert badge_texts(month) == ["ketersediaan 30 hari", "data 1 hr 2 j"]
    for window in ("24h", "7d", "90d"):
        english = await client.get(
            "/badge/7373/uptime.svg", params={"window": window, "lang": "en"}
        )
        assert badge_texts(english)[0] == f"uptime {window}"
    unwatched = await client.get("/badge/31.71/uptime.svg", params={"lang": "en"})
    assert badge_texts(unwatched)[1] == "no data"
    bad = await client.get("/badge/73.73/uptime.svg", params={"window": "1y"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "window"]


async def test_feed_global_and_by_region(
    client: httpx.AsyncClient,
    database: Database,
    admin_headers: dict[str, str],
    settings: Settings,
) -> None:
    base = settings.public_base_url  # the configured address, not the client's Host
    await seed_country(client, database, admin_headers)
    jakarta = await add_service(database, "31.71")
    await probe(database, jakarta, Reason.OK, utcnow() - timedelta(minutes=5), region="31.71")
    await probe(database, jakarta, Reason.UPSTREAM_ERROR, utcnow(), region="31.71")

    response = await client.get("/feeds/incidents.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.id == f"{base}/feeds/incidents.atom"
    rels = {link.rel for link in parsed.feed.links}
    assert rels == {"self", "alternate"} and parsed.feed.author == "Pantau"
    titles = [e.title for e in parsed.entries]
    assert titles == [
        "Kota Administrasi Jakarta Pusat: Gangguan server / Server error",
        "Kota Palopo: Pemutusan akses oleh pusat / Access cut off by central authority",
    ]
    palopo = parsed.entries[1]
    assert palopo.link == f"{base}/regions/73.73"
    assert re.fullmatch(rf"{re.escape(base)}/api/v1/incidents/\d+", palopo.id)
    assert LETTER["reference"] in palopo.summary
    assert UPDATE["body_id"] in palopo.content[0].value
    assert UPDATE["body_en"] in palopo.content[0].value

    sulawesi = feedparser.parse((await client.get("/feeds/incidents.atom?region=73")).content)
    assert sulawesi.bozo == 0 and [e.link for e in sulawesi.entries] == [palopo.link]
    assert sulawesi.feed.id == f"{base}/feeds/incidents.atom?region=73"
    assert "Sulawesi Selatan" in sulawesi.feed.title
    papua = feedparser.parse((await client.get("/feeds/incidents.atom?region=91")).content)
    assert papua.bozo == 0 and papua.entries == []


async def test_feed_rejects_unknown_and_malformed_regions(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/feeds/incidents.atom", params={"region": "99"})
    assert unknown.status_code == 404 and unknown.json()["key"] == "99"
    malformed = await client.get("/feeds/incidents.atom", params={"region": "7x"})
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["query", "region"]
