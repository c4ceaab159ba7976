"""Incidents routes over transitions recorded through the real store functions."""

from __future__ import annotations

import httpx
import pytest

from app.core.domain import Reason
from app.store.db import Database
from tests.factories import add_service, probe

OK, TIMEOUT = Reason.OK, Reason.NETWORK_TIMEOUT


async def two_incidents(database: Database) -> tuple[int, int]:
    """Palopo: an outage 08:10–08:40 (ended); Makassar: an outage from 09:00 (open)."""
    palopo, makassar = await add_service(database), await add_service(database, "73.71")
    await probe(database, palopo, OK, 0)
    await probe(database, palopo, TIMEOUT, 10)
    await probe(database, palopo, Reason.UPSTREAM_ERROR, 20)
    await probe(database, palopo, OK, 40)
    await probe(database, makassar, TIMEOUT, 60, region="73.71")
    return palopo, makassar


async def test_list_newest_first_with_episode_fields(
    client: httpx.AsyncClient, database: Database
) -> None:
    await two_incidents(database)
    items = (await client.get("/api/v1/incidents")).json()["items"]
    assert [(i["region_code"], i["is_active"]) for i in items] == [
        ("73.71", True),
        ("73.73", False),
    ]
    palopo = items[1]
    assert (palopo["region_name"], palopo["province_code"]) == ("Kota Palopo", "73")
    assert (palopo["started_at"], palopo["ended_at"]) == (
        "2026-11-29T08:10:00Z",
        "2026-11-29T08:40:00Z",
    )
    assert palopo["duration_seconds"] == 1800
    assert palopo["category"] == "network" and palopo["reason"] == "upstream.error"
    assert palopo["reasons_seen"] == ["network.timeout", "upstream.error"]
    assert palopo["reason_label"]["en"] == "Server error" and palopo["declarations"] == []
    assert items[0]["ended_at"] is None and items[0]["duration_seconds"] >= 0


@pytest.mark.parametrize(
    ("params", "regions"),
    [
        ({"active": "true"}, ["73.71"]),
        ({"active": "false"}, ["73.73"]),
        ({"region": "73"}, ["73.71", "73.73"]),
        ({"region": "7373"}, ["73.73"]),
        ({"region": "31"}, []),
        ({"since": "2026-11-29T08:45:00Z"}, ["73.71"]),  # Palopo had ended by then
        ({"until": "2026-11-29T08:30:00Z"}, ["73.73"]),  # Makassar had not begun
        ({"since": "2026-11-29T08:20:00Z", "until": "2026-11-29T09:30:00Z"}, ["73.71", "73.73"]),
    ],
)
async def test_filters(
    client: httpx.AsyncClient, database: Database, params: dict[str, str], regions: list[str]
) -> None:
    await two_incidents(database)
    items = (await client.get("/api/v1/incidents", params=params)).json()["items"]
    assert [i["region_code"] for i in items] == regions


async def test_cursor_pages_through_everything_once(
    client: httpx.AsyncClient, database: Database
) -> None:
    sid = await add_service(database)
    for minute in range(0, 50, 10):
        await probe(database, sid, TIMEOUT, minute)
        await probe(database, sid, OK, minute + 5)
    seen, cursor = [], None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/incidents", params=params)).json()
        seen += [i["id"] for i in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert len(seen) == 5 == len(set(seen)) and seen == sorted(seen, reverse=True)


async def test_detail_has_transitions_updates_and_the_declaration_cited(
    client: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    palopo = await add_service(database)
    await probe(database, palopo, OK, 0)
    await probe(database, palopo, TIMEOUT, 10)
    declaration = {
        "kind": "cutoff",
        "reference": "400.8/1234/Dukcapil",
        "issuer": "Ditjen Dukcapil Kemendagri",
        "issued_at": "2026-11-28T00:00:00Z",
    }
    await client.post("/api/v1/regions/73.73/declarations", json=declaration, headers=admin_headers)
    (incident,) = (await client.get("/api/v1/incidents")).json()["items"]
    update = {"status": "identified", "body_id": "Akses diputus.", "body_en": "Access cut."}
    url = f"/api/v1/incidents/{incident['id']}"
    assert (await client.post(f"{url}/updates", json=update, headers=admin_headers)).is_success
    detail = (await client.get(url)).json()
    assert [t["reason"] for t in detail["transitions"]] == ["network.timeout", "policy.cutoff"]
    assert detail["transitions"][1]["source"] == "operator"
    assert detail["reason"] == "policy.cutoff" and detail["has_more_transitions"] is False
    assert [d["reference"] for d in detail["declarations"]] == ["400.8/1234/Dukcapil"]
    assert [u["body_en"] for u in detail["updates"]] == ["Access cut."]


async def test_unknown_incident_is_404_and_bad_input_422(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/incidents/4242")).status_code == 404
    for url, field in [
        ("/api/v1/incidents/0", "incident_id"),
        ("/api/v1/incidents?cursor=zzz", "cursor"),
        ("/api/v1/incidents?since=2026-11-29T08:00:00", "since"),
        ("/api/v1/incidents?region=7x", "region"),
        ("/api/v1/incidents?active=maybe", "active"),
    ]:
        response = await client.get(url)
        assert response.status_code == 422, url
        assert response.json()["detail"][0]["loc"][-1] == field
