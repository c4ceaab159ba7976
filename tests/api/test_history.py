"""Region and service history: newest first, stable cursor pages, ranges and categories."""

from __future__ import annotations

import base64

import httpx
import pytest

from app.core.domain import Reason
from app.store.db import Database
from tests.factories import add_service, probe

OK, TIMEOUT, CUTOFF = Reason.OK, Reason.NETWORK_TIMEOUT, Reason.POLICY_CUTOFF


async def flap(
    database: Database, sid: int, times: int, *, start: int = 0, region: str = "73.73"
) -> None:
    """`times` transitions, one a minute from `start`: up, down, up, ..."""
    for i in range(times):
        await probe(database, sid, OK if i % 2 == 0 else TIMEOUT, start + i, region=region)


async def test_region_history_is_newest_first_with_the_transition_shape(
    client: httpx.AsyncClient, database: Database
) -> None:
    sid = await add_service(database)
    await flap(database, sid, 3)
    body = (await client.get("/api/v1/regions/7373/history")).json()
    assert [i["to_state"] for i in body["items"]] == ["operational", "outage", "operational"]
    newest = body["items"][0]
    assert set(newest) >= {
        "id", "service_id", "region_code", "from_state", "to_state", "reason", "category",
        "at", "source", "evidence",
    }  # fmt: skip
    assert newest["category"] == "ok" and newest["source"] == "probe"
    assert body["items"][1]["reason_label"] == {"id": "Waktu koneksi habis", "en": "Timed out"}
    assert body["items"][1]["incident_id"] is not None and body["next_cursor"] is None


async def test_pages_stay_stable_while_new_transitions_arrive(
    client: httpx.AsyncClient, database: Database
) -> None:
    sid = await add_service(database)
    await flap(database, sid, 7)
    first = (await client.get("/api/v1/regions/73.73/history", params={"limit": 3})).json()
    await flap(database, sid, 4, start=100)  # arrives between page requests
    seen = [i["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        params: dict[str, str | int] = {"limit": 3, "cursor": cursor}
        page = (await client.get("/api/v1/regions/73.73/history", params=params)).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == 7 == len(set(seen)) and seen == sorted(seen, reverse=True)


async def test_range_and_category_filters(client: httpx.AsyncClient, database: Database) -> None:
    sid = await add_service(database)
    await flap(database, sid, 6)  # minutes 0..5
    await probe(database, sid, CUTOFF, 6)
    url = "/api/v1/regions/73.73/history"
    window = {"since": "2026-11-29T08:01:00Z", "until": "2026-11-29T08:03:00+00:00"}
    body = (await client.get(url, params=window)).json()
    assert [i["at"] for i in body["items"]] == ["2026-11-29T08:02:00Z", "2026-11-29T08:01:00Z"]
    wita = {"since": "2026-11-29T16:05:00+08:00"}  # Makassar time = 08:05 UTC
    assert len((await client.get(url, params=wita)).json()["items"]) == 2
    body = (await client.get(f"{url}?category=policy&category=ok")).json()
    assert {i["category"] for i in body["items"]} == {"policy", "ok"} and len(body["items"]) == 4


async def test_province_history_includes_its_regencies_and_service_history_its_own(
    client: httpx.AsyncClient, database: Database
) -> None:
    palopo, makassar = await add_service(database), await add_service(database, "73.71")
    await flap(database, palopo, 2)
    await flap(database, makassar, 3, region="73.71")
    province = (await client.get("/api/v1/regions/73/history")).json()["items"]
    assert {i["region_code"] for i in province} == {"73.73", "73.71"} and len(province) == 5
    own = (await client.get(f"/api/v1/services/{makassar}/history")).json()["items"]
    assert len(own) == 3 and {i["service_id"] for i in own} == {makassar}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"v2:1:1").decode()}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"v1:x:1").decode()}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"v1:1:99999999999").decode()}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"v1:99999999999999999999:1").decode()}, "cursor"),
        ({"since": "2026-11-29T08:00:00"}, "since"),
        ({"since": "2026-11-29T09:00:00Z", "until": "2026-11-29T08:00:00Z"}, "until"),
        ({"since": "yesterday"}, "since"),
        ({"limit": 501}, "limit"),
        ({"category": "weather"}, "category"),
    ],
)
async def test_bad_cursors_and_ranges_are_422_naming_the_field(
    client: httpx.AsyncClient, params: dict[str, str | int], field: str
) -> None:
    for url in ("/api/v1/regions/73.73/history", "/api/v1/services/1/history"):
        response = await client.get(url, params=params)
        assert response.status_code == 422, response.text
        error = response.json()["detail"][0]
        assert error["loc"][:2] == ["query", field] and error["msg"]


async def test_unknown_region_or_service_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/regions/99.99/history")).status_code == 404
    assert (await client.get("/api/v1/services/424242/history")).status_code == 404
    assert (await client.get("/api/v1/services/99999999999/history")).status_code == 422
