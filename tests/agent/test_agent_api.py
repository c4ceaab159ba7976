"""The agent registry and results ingestion, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlalchemy import update

from app.core.agent_protocol import MAX_RESULTS_PER_BATCH
from app.store.agents import Agent, results_of
from app.store.db import Database
from app.store.types import utcnow
from tests.conftest import ADMIN_TOKEN
from tests.support.agent import batch, push, register, result, round_of


async def test_register_list_push_and_remove(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    agent = await register(client, admin_headers, name="Kantor Disdukcapil Palopo")
    assert agent["token"].startswith("pantau_") and agent["status"] == "pending"
    assert agent["region_code"] == "73.73" and agent["last_seen_at"] is None

    pushed = await push(client, agent, batch(round_of(1, central=True, office=True, public=True)))
    assert pushed.status_code == 200, pushed.text
    assert pushed.json() | {"clock_offset_ms": 0} == {
        "accepted": 3,
        "duplicates": 0,
        "clamped": 0,
        "clock_offset_ms": 0,
        "last_seq": 3,
    }
    listed = (await client.get("/api/v1/agents", headers=admin_headers)).json()
    assert [(a["id"], a["status"], a["version"]) for a in listed] == [
        (agent["id"], "active", "0.1.0")
    ]
    assert "token" not in listed[0]

    # silent for longer than PANTAU_AGENT_STALE_AFTER (180 s by default): stale, not an outage
    async with database.transaction() as session:
        old = utcnow() - timedelta(seconds=181)
        await session.exec(update(Agent).values(last_seen_at=old))  # type: ignore[call-overload]
    shown = (await client.get(f"/api/v1/agents/{agent['id']}", headers=admin_headers)).json()
    assert shown["status"] == "stale"
    region = (await client.get("/api/v1/regions/73.73/agents")).json()
    assert [a["status"] for a in region["agents"]] == ["stale"]
    assert region["agreement"] == "none"
    assert (await client.get("/api/v1/regions/73.73")).json()["state"] == "unknown"

    removed = await client.delete(f"/api/v1/agents/{agent['id']}", headers=admin_headers)
    assert removed.status_code == 204
    assert (await push(client, agent, batch([result(4)]))).status_code == 403  # token revoked
    missing = await client.get(f"/api/v1/agents/{agent['id']}", headers=admin_headers)
    assert missing.status_code == 404 and missing.json()["resource"] == "agent"
    async with database.read() as session:
        assert await results_of(session, agent["id"]) == []
    audit = await client.get(
        "/api/v1/audit", params={"target_type": "agent"}, headers=admin_headers
    )
    assert [e["action"] for e in audit.json()["items"]] == ["agent.delete", "agent.create"]


async def test_registering_names_a_bad_region(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for code, status in (("99.99", 422), ("73.7x", 422)):
        response = await client.post(
            "/api/v1/agents", json={"region_code": code, "name": "x"}, headers=admin_headers
        )
        assert response.status_code == status, response.text
        assert response.json()["detail"][0]["loc"] == ["body", "region_code"]
    unknown = await client.get("/api/v1/regions/99.99/agents")
    assert unknown.status_code == 404 and unknown.json()["resource"] == "region"


async def test_a_token_for_one_region_cannot_push_for_another(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    palopo = await register(client, admin_headers, "73.73", "palopo")
    makassar = await register(client, admin_headers, "73.71", "makassar")
    denied = await push(client, makassar, batch([result(1)]), token=palopo["token"])
    assert denied.status_code == 403
    assert "73.71" in denied.json()["detail"]
    # an agent:push key bound to no region pushes for no agent
    unbound = await client.post(
        "/api/v1/keys", json={"name": "x", "scopes": ["agent:push"]}, headers=admin_headers
    )
    assert unbound.json()["region_code"] is None
    denied = await push(client, palopo, batch([result(1)]), token=unbound.json()["token"])
    assert denied.status_code == 403
    # bound to Makassar through the keys API: pushes for Makassar's agent
    bound = await client.post(
        "/api/v1/keys",
        json={"name": "y", "scopes": ["agent:push"], "region_code": "7371"},
        headers=admin_headers,
    )
    assert bound.json()["region_code"] == "73.71"
    allowed = await push(client, makassar, batch([result(1)]), token=bound.json()["token"])
    assert allowed.status_code == 200, allowed.text


async def test_an_agents_token_pushes_for_that_agent_alone(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    first = await register(client, admin_headers, "73.73", "kantor")
    second = await register(client, admin_headers, "73.73", "kecamatan")
    denied = await push(client, second, batch([result(1)]), token=first["token"])
    assert denied.status_code == 403
    assert f"may not push for agent {second['id']}" in denied.json()["detail"]
    async with database.read() as session:
        assert await results_of(session, second["id"]) == []
    # each agent with its own token, and an admin for any of them
    assert (await push(client, first, batch([result(1)]))).status_code == 200
    assert (await push(client, second, batch([result(1)]))).status_code == 200
    by_admin = await push(client, second, batch([result(2)]), token=ADMIN_TOKEN)
    assert by_admin.status_code == 200, by_admin.text
    async with database.read() as session:
        assert len(await results_of(session, second["id"])) == 2


async def test_a_malformed_batch_is_refused_naming_the_bad_entry(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    agent = await register(client, admin_headers)
    results = [result(i) for i in range(1, 6)]
    results[3]["observed_at"] = "2026-11-29T08:00:00"  # no time zone
    response = await push(client, agent, batch(results))
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "results", 3, "observed_at"]]

    results = [result(i) for i in range(1, 4)]
    results[1]["role"] = "vpn"
    results[2]["latency_ms"] = -1
    locs = [e["loc"] for e in (await push(client, agent, batch(results))).json()["detail"]]
    assert locs == [["body", "results", 1, "role"], ["body", "results", 2, "latency_ms"]]

    out_of_order = [result(1), result(3), result(2)]
    response = await push(client, agent, batch(out_of_order))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "results", 2, "seq"]

    ancient = [result(1, at=utcnow() - timedelta(days=30))]
    response = await push(client, agent, batch(ancient))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "results", 0, "observed_at"]

    not_json = await client.post(
        f"/api/v1/agents/{agent['id']}/results",
        content=b"{",
        headers={"Authorization": f"Bearer {agent['token']}"},
    )
    assert not_json.status_code == 422 and not_json.json()["detail"][0]["loc"][0] == "body"
    async with database.read() as session:
        assert await results_of(session, agent["id"]) == []  # all or nothing


async def test_oversized_batches_are_refused_with_a_clear_message(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    agent = await register(client, admin_headers)
    too_many = [result(i) for i in range(1, MAX_RESULTS_PER_BATCH + 2)]
    response = await push(client, agent, batch(too_many))
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", "results"] and "500" in error["msg"]

    huge = batch([result(1)]) | {"padding": "x" * 300_000}
    response = await client.post(
        f"/api/v1/agents/{agent['id']}/results",
        content=json.dumps(huge),
        headers={"Authorization": f"Bearer {agent['token']}"},
    )
    assert response.status_code == 413
    assert "at most 262144 bytes" in response.json()["detail"]


async def test_a_resent_batch_is_stored_once_and_times_are_corrected(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    agent = await register(client, admin_headers)
    skew = timedelta(hours=1)  # the agent's clock is an hour behind
    agent_now = utcnow() - skew
    results = [result(seq, at=agent_now - timedelta(seconds=10 - seq)) for seq in (1, 2, 3)]
    body = batch(results, sent_at=agent_now)
    first = (await push(client, agent, body)).json()
    assert (first["accepted"], first["duplicates"]) == (3, 0)
    assert abs(first["clock_offset_ms"] - skew.total_seconds() * 1000) < 5000
    again = (await push(client, agent, body | {"results": [*results, result(4)]})).json()
    assert (again["accepted"], again["duplicates"]) == (1, 3)
    # a new stream (the agent's buffer was reset) numbers from 1 again: not duplicates
    fresh = (await push(client, agent, batch([result(1)], stream="s2"))).json()
    assert (fresh["accepted"], fresh["duplicates"]) == (1, 0)

    async with database.read() as session:
        stored = await results_of(session, agent["id"])
    expected = [("s1", 1), ("s1", 2), ("s1", 3), ("s1", 4), ("s2", 1)]
    assert [(r.stream, r.seq) for r in stored] == expected
    now = utcnow()
    for row in stored[:3]:
        assert now - timedelta(seconds=15) < row.observed_at <= now  # server time
        assert row.reported_at < now - skew + timedelta(seconds=5)  # the agent's own kept


async def test_a_regions_agents_show_what_they_see_and_whether_they_agree(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inside = await register(client, admin_headers, name="kantor")
    cut = round_of(1, central=False, office=True, public=True)
    assert (await push(client, inside, batch(cut))).status_code == 200
    region = (await client.get("/api/v1/regions/7373/agents")).json()
    assert region["agreement"] == "agree" and region["readings"] == {"link_cut": 1}
    assert region["agents"][0]["reachable"] == {"central": False, "office": True, "public": True}
    assert region["agents"][0]["reading"] == "link_cut"

    other = await register(client, admin_headers, name="ruang server")
    fine = round_of(1, central=True, office=True, public=True)
    assert (await push(client, other, batch(fine))).status_code == 200
    region = (await client.get("/api/v1/regions/73.73/agents")).json()
    assert region["agreement"] == "disagree"
    assert region["readings"] == {"link_cut": 1, "inside_ok": 1}
