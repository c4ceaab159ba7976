"""The push's lean path (one read and one write a push): what it must still do, on SQLite and
PostgreSQL — note the key's use, refuse a removed agent's token at once, and check any key
but the agent's own against the database; results past the retention are pruned by the
checker's side job, not by the push."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

import app.checks.scheduler as scheduler
from app.checks.scheduler import Checker
from app.core.agent_protocol import ResultBatch
from app.http.auth import ADMITTED, Principal, admitted
from app.http.push_tokens import PushTokens
from app.store import keys
from app.store.agents import Agent, get_agent, ingest, results_of
from app.store.db import Database
from app.store.keys import ApiKey, get_key
from app.store.types import utcnow
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.support.agent import batch, push, register, result


async def _last_used(database: Database, agent_id: int) -> object:
    async with database.read() as session:
        agent = await get_agent(session, agent_id)
        assert agent is not None and agent.key_id is not None
        key = await get_key(session, agent.key_id)
        assert key is not None
        return key.last_used_at


async def test_the_checkers_prune_removes_results_past_the_retention_for_every_agent(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    database: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A push stores what it is given; the checker's side job prunes, a chunk of agents per
    transaction (two here, so three agents take two chunks)."""
    monkeypatch.setattr(scheduler, "PRUNE_AGENTS", 2)
    now = utcnow()
    agents = [await register(client, admin_headers, name=name) for name in ("a", "b", "c")]
    old = [result(1, at=now - timedelta(hours=30)), result(2, at=now - timedelta(hours=2))]
    for agent in agents:
        assert (await push(client, agent, batch(old, sent_at=now))).status_code == 200
    async with database.read() as session:
        assert [r.seq for r in await results_of(session, agents[-1]["id"])] == [1, 2]
    settings = make_settings(database_url, probe_retention_hours=24)
    async with httpx.AsyncClient() as probe_client:
        await Checker(database, settings, probe_client).prune()
    async with database.read() as session:
        for agent in agents:
            assert [r.seq for r in await results_of(session, agent["id"])] == [2]  # 24 h kept


async def test_a_push_notes_its_keys_use_refused_or_not(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    agent = await register(client, admin_headers)
    assert await _last_used(database, agent["id"]) is None
    refused = await push(client, agent, batch([result(2), result(1)]))
    assert refused.status_code == 422
    first = await _last_used(database, agent["id"])
    assert first is not None
    assert (await push(client, agent, batch([result(1)]))).status_code == 200
    second = await _last_used(database, agent["id"])
    assert second is not None and second > first  # type: ignore[operator]


async def test_another_agents_token_is_refused_after_the_agent_pushed(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    """The pushed-for agent is remembered with its own key; any other key is still asked
    about in the database."""
    first = await register(client, admin_headers, "73.73", "kantor")
    second = await register(client, admin_headers, "73.73", "kecamatan")
    assert (await push(client, second, batch([result(1)]))).status_code == 200
    denied = await push(client, second, batch([result(2)]), token=first["token"])
    assert denied.status_code == 403
    assert f"token belongs to agent {first['id']}" in denied.json()["detail"]
    async with database.read() as session:
        assert [r.seq for r in await results_of(session, second["id"])] == [1]


async def test_a_removed_agents_token_is_refused_at_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    agent = await register(client, admin_headers)
    other = await register(client, admin_headers, name="b")
    assert (await push(client, agent, batch([result(1)]))).status_code == 200  # remembered
    removed = await client.delete(f"/api/v1/agents/{agent['id']}", headers=admin_headers)
    assert removed.status_code == 204
    assert (await push(client, agent, batch([result(2)]))).status_code == 403
    # an admin pushing for it finds it gone
    gone = await push(client, agent, batch([result(2)]), token=ADMIN_TOKEN)
    assert gone.status_code == 404
    assert (await push(client, other, batch([result(1)]))).status_code == 200


async def test_ingest_stores_nothing_for_an_agent_no_longer_holding_the_key(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    """The write's own guard, for an agent removed (and its id reused) between the push's
    authentication and its write."""
    agent = await register(client, admin_headers)
    body = ResultBatch.model_validate(batch([result(1)]))
    received = utcnow()
    async with database.transaction() as session:
        stored = await get_agent(session, agent["id"])
        assert stored is not None and stored.key_id is not None
        key_id = stored.key_id
        wrong = await ingest(session, agent["id"], body, received_at=received, key_id=key_id + 1)
        assert wrong is None
    async with database.read() as session:
        assert await results_of(session, agent["id"]) == []
        unheard = await session.get(Agent, agent["id"])
        assert unheard is not None and unheard.last_seen_at is None
    async with database.transaction() as session:
        right = await ingest(session, agent["id"], body, received_at=received, key_id=key_id)
    assert right is not None and (right.accepted, right.duplicates) == (1, 0)


async def test_without_admin_token_or_keys_a_token_hears_that_writes_are_disabled(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"admin_token": None})
    for headers in ({}, {"Authorization": "Bearer pantau_abc_def"}):
        refused = await client.post("/api/v1/agents/1/results", json={}, headers=headers)
        assert refused.status_code == 403
        assert "writes are disabled" in refused.json()["detail"]


def test_the_gates_principal_is_handed_only_to_the_same_token() -> None:
    key = ApiKey(id=7, name="k", prefix="abc", token_hash="", scopes=["agent:push"], created_by="t")
    found = Principal.of_key(key)
    found.checked.add("73.73")
    scope = {ADMITTED: ("pantau_abc_secret", found)}
    assert admitted(scope, "pantau_abc_other") is None
    assert admitted(scope, None) is None
    assert admitted({}, "pantau_abc_secret") is None
    handed = admitted(scope, "pantau_abc_secret")
    assert handed == found and handed is not found
    assert handed.checked == set()  # its own regions checked, none yet


async def _key_id(database: Database, agent_id: int) -> int:
    async with database.read() as session:
        agent = await get_agent(session, agent_id)
    assert agent is not None and agent.key_id is not None
    return agent.key_id


async def test_an_agents_token_is_read_once_then_remembered(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agent = await register(client, admin_headers)
    looked_up: list[str] = []
    real = keys.find_active_key

    async def counting(session: AsyncSession, token: str) -> ApiKey | None:
        looked_up.append(token)
        return await real(session, token)

    monkeypatch.setattr(keys, "find_active_key", counting)
    for seq in (1, 2, 3):
        assert (await push(client, agent, batch([result(seq)]))).status_code == 200
    assert looked_up == [agent["token"]]
    # the admin's token is never remembered (it is no key), nor asked of the keys
    assert (await push(client, agent, batch([result(4)]), token=ADMIN_TOKEN)).status_code == 200
    assert looked_up == [agent["token"]]


@pytest.mark.parametrize("bad_body", [False, True])
async def test_a_remembered_token_whose_key_is_revoked_is_refused_at_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database, bad_body: bool
) -> None:
    """Revoked (the agent kept): the push's write finds the key revoked and stores nothing;
    a batch that is no good is refused for the token first, as the gate would have."""
    agent = await register(client, admin_headers)
    assert (await push(client, agent, batch([result(1)]))).status_code == 200  # remembered
    key_id = await _key_id(database, agent["id"])
    used = await _last_used(database, agent["id"])
    revoked = await client.delete(f"/api/v1/keys/{key_id}", headers=admin_headers)
    assert revoked.status_code == 204
    body = batch([result(3), result(2)]) if bad_body else batch([result(2)])
    refused = await push(client, agent, body)
    assert refused.status_code == 403, refused.text
    assert "revoked" in refused.json()["detail"]
    again = await push(client, agent, batch([result(2)]))
    assert again.status_code == 403  # forgotten: the gate reads it again
    async with database.read() as session:
        assert [r.seq for r in await results_of(session, agent["id"])] == [1]
    assert await _last_used(database, agent["id"]) == used


def test_only_keys_that_can_only_push_are_remembered() -> None:
    tokens = PushTokens(limit=2)
    pusher = Principal("p", frozenset({"agent:push"}), key_id=1)
    wider = Principal("w", frozenset({"agent:push", "services:write"}), key_id=2)
    tokens.remember("pantau_a_1", pusher)
    tokens.remember("pantau_b_2", wider)
    assert tokens.get("pantau_a_1") == pusher
    assert tokens.get("pantau_b_2") is None
    tokens.remember("pantau_c_3", pusher)
    tokens.remember("pantau_d_4", pusher)  # over the limit: the oldest goes
    assert tokens.get("pantau_a_1") is None and tokens.get("pantau_d_4") == pusher
