"""Incidents routes over transitions recorded through the real store functions."""

from __future__ import annotations

from typing import Any

import feedparser
import httpx
import pytest

from app.core.domain import Reason
from app.store.db import Database
from tests.factories import LETTER, add_service, declare, probe

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
    # The server error held 20 of the 30 minutes: it governs, though the timeout opened it.
    assert palopo["category"] == "upstream" and palopo["reason"] == "upstream.error"
    assert palopo["latest_reason"] == "upstream.error"
    assert palopo["reasons_seen"] == ["network.timeout", "upstream.error"]
    assert palopo["reason_timeline"] == [
        span("network.timeout", "08:10", "08:20", 600),
        span("upstream.error", "08:20", "08:40", 1200),
    ]
    assert palopo["reason_label"]["en"] == "Server error" and palopo["declarations"] == []
    makassar = items[0]
    assert makassar["ended_at"] is None and makassar["duration_seconds"] > 0
    (current,) = makassar["reason_timeline"]  # current: its time so far is the duration's
    assert (current["started_at"], current["ended_at"]) == ("2026-11-29T09:00:00Z", None)
    assert current["seconds"] == makassar["duration_seconds"]


def span(reason: str, start: str, end: str | None, seconds: float) -> dict[str, Any]:
    """A reason_timeline item on 2026-11-29 (UTC hours and minutes)."""
    return {
        "reason": reason,
        "category": reason.split(".")[0],
        "started_at": f"2026-11-29T{start}:00Z",
        "ended_at": None if end is None else f"2026-11-29T{end}:00Z",
        "seconds": seconds,
    }


async def palopo_cutoff(database: Database) -> None:
    """Palopo's episode: timeouts from 08:10, an operator's cutoff citing its letter at 08:20,
    its lifting at 08:40 (back to what the probes see), the service back at 08:50."""
    sid = await add_service(database)
    await probe(database, sid, OK, 0)
    await probe(database, sid, TIMEOUT, 10)
    await probe(database, sid, TIMEOUT, 15)
    assert [t.reason for t in await declare(database, "cutoff", 20)] == ["policy.cutoff"]
    await probe(database, sid, TIMEOUT, 30)  # the declaration is imposed: no change
    assert [t.reason for t in await declare(database, "lifted", 40)] == ["network.timeout"]
    await probe(database, sid, OK, 50)


async def test_palopo_cutoff_is_one_policy_episode_with_its_timeline(
    client: httpx.AsyncClient, database: Database
) -> None:
    await palopo_cutoff(database)
    (incident,) = (await client.get("/api/v1/incidents")).json()["items"]
    assert (incident["started_at"], incident["ended_at"], incident["is_active"]) == (
        "2026-11-29T08:10:00Z",  # when the timeouts began, not when the cutoff was declared
        "2026-11-29T08:50:00Z",
        False,
    )
    assert incident["duration_seconds"] == 2400
    assert (incident["category"], incident["reason"]) == ("policy", "policy.cutoff")
    assert incident["reason_label"]["en"] == "Access cut off by central authority"
    assert incident["latest_reason"] == "network.timeout"
    assert incident["reasons_seen"] == ["network.timeout", "policy.cutoff"]
    assert incident["reason_timeline"] == [
        span("network.timeout", "08:10", "08:20", 600),
        span("policy.cutoff", "08:20", "08:40", 1200),
        span("network.timeout", "08:40", "08:50", 600),
    ]
    assert [(d["kind"], d["reference"]) for d in incident["declarations"]] == [
        ("cutoff", LETTER["reference"]),
        ("lifted", LETTER["reference"]),
    ]
    detail = (await client.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert detail["reason_timeline"] == incident["reason_timeline"]
    assert detail["category"] == "policy"


async def test_a_cutoff_declared_during_a_network_outage_does_not_restart_it(
    client: httpx.AsyncClient, database: Database
) -> None:
    sid = await add_service(database)
    await probe(database, sid, TIMEOUT, 10)
    await declare(database, "cutoff", 20)
    (incident,) = (await client.get("/api/v1/incidents")).json()["items"]
    assert (incident["started_at"], incident["is_active"]) == ("2026-11-29T08:10:00Z", True)
    assert (incident["category"], incident["latest_reason"]) == ("policy", "policy.cutoff")
    assert [s["ended_at"] for s in incident["reason_timeline"]] == ["2026-11-29T08:20:00Z", None]


async def test_the_atom_feed_tags_the_palopo_episode_policy(
    client: httpx.AsyncClient, database: Database
) -> None:
    await palopo_cutoff(database)
    (entry,) = feedparser.parse((await client.get("/feeds/incidents.atom")).content).entries
    assert [tag.term for tag in entry.tags] == ["policy"]
    assert "Access cut off by central authority" in entry.title


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
        ({"region": "73.99"}, []),  # well formed, no such region: a filter, not a resource
        ({"category": "upstream"}, ["73.73"]),  # the governing cause's, not the opening one's
        ({"category": "network"}, ["73.71"]),
        ({"category": "policy"}, []),
        ({"category": "network", "active": "false"}, []),
        ({"_": "1733300000000", "region": "73.71"}, ["73.71"]),  # a cache-buster is harmless
    ],
)
async def test_filters(
    client: httpx.AsyncClient, database: Database, params: dict[str, str], regions: list[str]
) -> None:
    await two_incidents(database)
    response = await client.get("/api/v1/incidents", params=params)
    assert response.status_code == 200, response.text
    assert [i["region_code"] for i in response.json()["items"]] == regions


async def test_the_category_filter_finds_the_palopo_cutoff_as_policy(
    client: httpx.AsyncClient, database: Database
) -> None:
    await palopo_cutoff(database)
    makassar = await add_service(database, "73.71")
    await probe(database, makassar, TIMEOUT, 60, region="73.71")

    async def regions(category: str) -> list[str]:
        response = await client.get("/api/v1/incidents", params={"category": category})
        return [i["region_code"] for i in response.json()["items"]]

    assert await regions("policy") == ["73.73"]
    assert await regions("network") == ["73.71"]  # Palopo's timeouts do not make it network


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
        ("/api/v1/incidents?region=7x.zz", "region"),
        ("/api/v1/incidents?region=abc", "region"),
        ("/api/v1/incidents?active=maybe", "active"),
        ("/api/v1/incidents?category=cutoff", "category"),
        ("/api/v1/incidents?category=policy.cutoff", "category"),
        ("/api/v1/incidents?category=", "category"),
        ("/api/v1/incidents?since=2026-11-29T09:00:00Z&until=2026-11-29T08:00:00Z", "until"),
    ]:
        response = await client.get(url)
        assert response.status_code == 422, url
        assert response.json()["detail"][0]["loc"][-1] == field
