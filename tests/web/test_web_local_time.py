"""Local time and Indonesian formats on the pages (#18 item 2), in process on SQLite and
PostgreSQL: a region's page, widget and Atom feed read the region's own zone, named (Palopo
WITA, Jayapura WIT, Jakarta WIB), the national page and feed WIB; a Denpasar maintenance window
entered in Asia/Makassar reads WITA on Denpasar's page; Indonesian pages write `14.05` and
`50,00 %`, English ones `14:05` and `50.00%`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import httpx

from app.core.domain import Reason
from app.core.local_format import local_date
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import add_service, probe

# Palopo, Jayapura, Jakarta (Kota Jakarta Pusat): WITA, WIT, WIB.
ZONES = {"73.73": "WITA", "91.71": "WIT", "31.71": "WIB"}
ZONE_NAME = re.compile(r"\b(WITA|WIT|WIB)\b")
INDONESIAN_TIME = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4} \d\d\.\d\d (WITA|WIT|WIB)$")
ENGLISH_TIME = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d (WITA|WIT|WIB)$")
TIME_ELEMENT = re.compile(r"<time [^>]*>([^<]*)</time>")
PERCENT = re.compile(r'class="percent">([^<]*)<')


async def seed_outages(database: Database) -> None:
    """Each region up two hours ago, timing out for the last hour: an open incident each."""
    start = utcnow() - timedelta(hours=2)
    for code in ZONES:
        service = await add_service(database, code)
        await probe(database, service, Reason.OK, start, region=code)
        await probe(
            database, service, Reason.NETWORK_TIMEOUT, start + timedelta(hours=1), region=code
        )


def times_on(body: str) -> list[str]:
    return [" ".join(t.split()) for t in TIME_ELEMENT.findall(body) if t.strip()]


async def test_every_view_reads_its_region_zone_and_the_nation_wib(
    client: httpx.AsyncClient, database: Database
) -> None:
    await seed_outages(database)
    for code, zone in ZONES.items():
        for lang, form in (("id", INDONESIAN_TIME), ("en", ENGLISH_TIME)):
            page = (await client.get(f"/regions/{code}", params={"lang": lang})).text
            shown = times_on(page)
            # since, monitored since, the timeline, the incident: all in the region's zone
            assert len(shown) >= 4, (code, shown)
            assert all(form.match(t) and t.endswith(f" {zone}") for t in shown), (code, shown)
            assert set(ZONE_NAME.findall(page)) == {zone}, code  # no other zone anywhere
            widget = (await client.get(f"/widget/{code}", params={"lang": lang})).text
            assert times_on(widget) and all(form.match(t) for t in times_on(widget))
            assert set(ZONE_NAME.findall(widget)) == {zone}, code

    # Just under half of the time since the first probe was up (the exact figures, such as
    # "5,32 %", are in tests/core/test_local_format.py).
    figures = PERCENT.findall((await client.get("/regions/73.73")).text)
    assert len(figures) == 3 and all(re.fullmatch(r"4\d,\d\d %|50,00 %", p) for p in figures)
    english = (await client.get("/regions/73.73", params={"lang": "en"})).text
    figures = PERCENT.findall(english)
    assert len(figures) == 3 and all(re.fullmatch(r"4\d\.\d\d%|50\.00%", p) for p in figures)

    national = (await client.get("/")).text
    assert set(ZONE_NAME.findall(national)) == {"WIB"}
    assert all(INDONESIAN_TIME.match(t) for t in times_on(national))
    assert sum(t.endswith(" WIB") for t in times_on(national)) >= 3  # each region's since

    own = feedparser.parse((await client.get("/feeds/incidents.atom?region=91.71")).text)
    (entry,) = own.entries
    assert re.search(r"^Terputus sejak .+ \d\d\.\d\d WIT \(", entry.summary), entry.summary
    assert re.search(r"\nOutage since .+ \d\d:\d\d WIT \(", entry.summary)
    assert "WIB" not in entry.summary
    assert entry.published.endswith("Z")  # the Atom timestamps stay UTC
    country = feedparser.parse((await client.get("/feeds/incidents.atom")).text)
    jayapura = next(e for e in country.entries if e.link.endswith("/regions/91.71"))
    assert re.search(r"^Terputus sejak .+ \d\d\.\d\d WIB \(", jayapura.summary)
    assert "WIT" not in jayapura.summary


async def test_a_window_entered_in_wita_reads_wita_on_denpasar_s_page(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await add_service(database, "51.71")  # Kota Denpasar, Bali
    makassar = ZoneInfo("Asia/Makassar")
    tomorrow = (utcnow() + timedelta(days=1)).astimezone(makassar).date()
    starts = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 1, 30, tzinfo=makassar)
    window = {
        "title": "Pemeliharaan jaringan Bali",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "timezone": "Asia/Makassar",
        "regions": ["51.71"],
    }
    created = await client.post("/api/v1/maintenance", json=window, headers=admin_headers)
    assert created.status_code == 201, created.text

    day = local_date(tomorrow, "id")  # month names: tests/core/test_local_format.py
    page = (await client.get("/regions/51.71")).text
    notice = re.search(r'<p class="notice maintenance">(.*?)</p>', page, re.S)
    assert notice is not None
    assert f"{day} 01.30 WITA – {day} 03.30 WITA" in notice.group(1)
    english = (await client.get("/regions/51.71", params={"lang": "en"})).text
    assert "01:30 WITA" in english and "03:30 WITA" in english
    # The country's page reads the same window in WIB: 00.30 – 02.30.
    national = (await client.get("/")).text
    assert "00.30 WIB" in national and "02.30 WIB" in national
