"""The outage report, `GET /api/v1/reports/outages` (JSON) and `…/outages.csv`, over episodes
recorded through the real recording path and declarations, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.core.reports import default_days
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import LETTER, iso
from tests.support.outages import HOSTILE_ISSUER, HOSTILE_REFERENCE, Outages, record_outages

URL = "/api/v1/reports/outages"


@pytest.fixture
async def outages(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> Outages:
    return await record_outages(client, database, admin_headers)


async def report(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(URL, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def day(outages: Outages, offset: int = 0) -> str:
    return (outages.day + timedelta(days=offset)).isoformat()


async def test_palopo_cutoff_with_its_letter_duration_and_local_times(
    client: httpx.AsyncClient, outages: Outages
) -> None:
    body = await report(client, **{"from": day(outages), "to": day(outages)})
    assert (body["from"], body["to"], body["time_zone"]) == (
        day(outages),
        day(outages),
        "Asia/Jakarta",
    )
    # The day in WIB: 17:00 UTC the evening before until 17:00 UTC.
    assert body["start"] == iso(outages.at - timedelta(hours=8))
    assert body["end"] == iso(outages.at + timedelta(hours=16))
    assert [e["region_code"] for e in body["episodes"]] == ["73.73", "73.71", "81.71"]
    palopo = body["episodes"][0]
    assert (palopo["region_name"], palopo["province_code"], palopo["province_name"]) == (
        "Kota Palopo",
        "73",
        "Sulawesi Selatan",
    )
    assert (palopo["category"], palopo["reason"]) == ("policy", "policy.cutoff")
    assert palopo["started_at"] == iso(outages.minutes(10))
    assert palopo["ended_at"] == iso(outages.minutes(55))
    assert palopo["duration_seconds"] == palopo["duration_in_range_seconds"] == 45 * 60
    assert palopo["time_zone"] == {"name": "Asia/Makassar", "label": "WITA"}
    assert palopo["started_local"] == f"{day(outages)}T09:10:00+08:00"
    assert palopo["ended_local"] == f"{day(outages)}T09:55:00+08:00"
    letter = palopo["letter"]
    assert (letter["kind"], letter["reference"], letter["issuer"], letter["url"]) == (
        "cutoff",
        LETTER["reference"],
        LETTER["issuer"],
        LETTER["url"],
    )
    assert datetime.fromisoformat(letter["issued_at"]) == datetime.fromisoformat(
        LETTER["issued_at"]
    )
    assert [x["kind"] for x in palopo["letters"]] == ["cutoff", "lifted"]
    makassar = body["episodes"][1]
    assert (makassar["category"], makassar["letter"], makassar["duration_seconds"]) == (
        "network",
        None,
        1800,
    )

    regions = {r["region_code"]: r for r in body["regions"]}
    assert list(regions) == ["73.71", "73.73", "81.71"]
    summary = regions["73.73"]
    # Half an hour under the letter, and the ten minutes of timeouts before it and five after
    # its lifting: the cut's whole 45 minutes are policy downtime.
    assert summary["downtime_by_category"] == {"policy": 2700}
    assert (summary["downtime_seconds"], summary["policy_cutoffs"], summary["episodes"]) == (
        2700,
        1,
        1,
    )
    # Watched from 01:00 UTC, 16 of the day's 24 hours.
    assert summary["coverage"] == pytest.approx(16 / 24)
    assert summary["observed_seconds"] == 16 * 3600
    assert summary["monitored_since"] == iso(outages.at)
    assert regions["73.71"]["policy_cutoffs"] == 0
    assert body["ranking"] == [
        {
            "rank": 1,
            "region_code": "73.73",
            "region_name": "Kota Palopo",
            "province_name": "Sulawesi Selatan",
            "policy_downtime_seconds": 2700,
            "policy_cutoffs": 1,
        }
    ]


async def test_episodes_are_clipped_to_the_range(
    client: httpx.AsyncClient, outages: Outages
) -> None:
    """Ambon is down 16:00–19:00 UTC: 23:00 WIB to 02:00 WIB the next day."""
    first = await report(client, **{"from": day(outages), "to": day(outages)})
    ambon = first["episodes"][-1]
    assert ambon["time_zone"]["label"] == "WIT"
    assert ambon["started_local"] == f"{day(outages, 1)}T01:00:00+09:00"
    assert (ambon["duration_seconds"], ambon["duration_in_range_seconds"]) == (3 * 3600, 3600)
    next_day = await report(client, **{"from": day(outages, 1), "to": day(outages, 1)})
    assert [e["region_code"] for e in next_day["episodes"]] == ["81.71"]
    assert next_day["episodes"][0]["duration_in_range_seconds"] == 2 * 3600
    assert next_day["regions"][0]["downtime_by_category"] == {"network": 2 * 3600}
    both = await report(client, **{"from": day(outages), "to": day(outages, 1)})
    assert both["episodes"][-1]["duration_in_range_seconds"] == 3 * 3600
    before = await report(client, **{"from": day(outages, -3), "to": day(outages, -1)})
    assert before["episodes"] == before["regions"] == before["ranking"] == []


FILTERS: list[tuple[dict[str, str], list[str]]] = [
    ({"region": "73"}, ["73.73", "73.71"]),
    ({"region": "7373"}, ["73.73"]),
    ({"region": "81"}, ["81.71"]),
    ({"region": "31"}, []),
    ({"category": "policy"}, ["73.73"]),
    ({"category": "network"}, ["73.71", "81.71", "82.71"]),
    ({"category": "upstream"}, []),
    ({"region": "73", "category": "network"}, ["73.71"]),
    ({"region": ""}, ["73.73", "73.71", "81.71", "82.71"]),  # a blank field: no filter
]


async def test_region_prefix_and_category_filters(
    client: httpx.AsyncClient, outages: Outages
) -> None:
    window = {"from": day(outages), "to": default_days(utcnow())[1].isoformat()}
    for params, regions in FILTERS:
        body = await report(client, **window, **params)
        assert [e["region_code"] for e in body["episodes"]] == regions, params
        assert {r["region_code"] for r in body["regions"]} == set(regions), params
    echoed = await report(client, **window, region="7373", category="policy")
    assert (echoed["region"], echoed["category"]) == ("73.73", "policy")


async def test_an_episode_still_going_on_and_the_default_range(
    client: httpx.AsyncClient, outages: Outages
) -> None:
    body = await report(client)  # the last 30 days, today included
    first, last = default_days(utcnow())
    assert (body["from"], body["to"]) == (first.isoformat(), last.isoformat())
    assert [e["region_code"] for e in body["episodes"]] == ["73.73", "73.71", "81.71", "82.71"]
    ternate = body["episodes"][-1]
    # An hour of timeouts outweighs the infrastructure letter declared just now.
    assert (ternate["category"], ternate["ended_at"], ternate["ended_local"]) == (
        "network",
        None,
        None,
    )
    assert ternate["duration_seconds"] == pytest.approx(3600, abs=120)
    assert ternate["letter"]["reference"] == HOSTILE_REFERENCE  # JSON is data, shown as is


async def test_csv_one_row_per_episode_parsed_back(
    client: httpx.AsyncClient, outages: Outages
) -> None:
    last = default_days(utcnow())[1].isoformat()
    response = await client.get(f"{URL}.csv", params={"from": day(outages), "to": last})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="pantau-outages-{day(outages)}-{last}.csv"'
    )
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8")))
    assert reader.fieldnames == [
        "region_code",
        "region_name",
        "province",
        "category",
        "reason",
        "started",
        "ended",
        "duration_seconds",
        "letter_reference",
        "letter_issuer",
        "letter_date",
        "letter_url",
    ]
    rows = list(reader)
    assert [r["region_code"] for r in rows] == ["73.73", "73.71", "81.71", "82.71"]
    palopo = rows[0]
    assert palopo == {
        "region_code": "73.73",
        "region_name": "Kota Palopo",
        "province": "Sulawesi Selatan",
        "category": "policy",
        "reason": "policy.cutoff",
        "started": f"{day(outages)}T09:10:00+08:00",
        "ended": f"{day(outages)}T09:55:00+08:00",
        "duration_seconds": "2700",
        "letter_reference": LETTER["reference"],
        "letter_issuer": LETTER["issuer"],
        "letter_date": "2026-11-28",  # 09:00 WITA that day
        "letter_url": "",  # no letter attached (tests/api/test_letters.py attaches one)
    }
    started = datetime.fromisoformat(palopo["started"])
    assert started.astimezone(UTC) == outages.minutes(10)
    assert (rows[1]["letter_reference"], rows[1]["letter_date"]) == ("", "")
    ternate = rows[3]
    assert ternate["ended"] == "" and ternate["started"].endswith("+09:00")
    # A cell a spreadsheet would run as a formula is neutralised with a leading quote.
    assert ternate["letter_reference"] == "'" + HOSTILE_REFERENCE
    assert ternate["letter_issuer"] == "'" + HOSTILE_ISSUER
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())
    filtered = await client.get(f"{URL}.csv", params={"category": "policy"})
    assert [r["region_code"] for r in csv.DictReader(io.StringIO(filtered.text))] == ["73.73"]


BAD_QUERIES = [
    ("from=2026-13-01", "from"),
    ("from=2026-02-30", "from"),
    ("from=01-11-2026", "from"),
    ("to=2026-1-5", "to"),
    ("from=1999-12-31", "from"),
    ("from=2026-11-30&to=2026-11-01", "to"),
    ("from=2025-01-01&to=2026-02-05", "to"),  # 401 days
    ("category=weather", "category"),
    ("region=7x", "region"),
    ("region=73.73.01", "region"),
]


async def test_bad_queries_are_422_naming_the_field(client: httpx.AsyncClient) -> None:
    for path in (URL, f"{URL}.csv"):
        for query, field in BAD_QUERIES:
            response = await client.get(f"{path}?{query}")
            assert response.status_code == 422, (path, query, response.text)
            assert response.json()["detail"][0]["loc"] == ["query", field], (path, query)
