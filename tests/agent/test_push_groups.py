"""Pushes written together (group commit), on both engines: each push's answer is still its
own (what it stored, a duplicate when resent, nothing for a gone agent or a revoked key), and
a group that fails, a revoked key's included, is written again push by push."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from app.core.agent_protocol import ResultBatch
from app.store.agents import Ingested, Push, get_agent, results_of
from app.store.db import Database
from app.store.keys import get_key
from app.store.types import utcnow
from app.usecases import agent_pushes
from app.usecases.agent_pushes import KeyRevoked, PushWrite, PushWriter, write_together
from tests.support.agent import batch, push, register, result


async def _write_for(database: Database, agent: dict[str, Any], *seqs: int) -> PushWrite:
    """A push of these seqs as the agent's own token makes it (bound to the key it holds)."""
    async with database.read() as session:
        stored = await get_agent(session, agent["id"])
    assert stored is not None and stored.key_id is not None
    body = ResultBatch.model_validate(batch([result(seq) for seq in seqs]))
    return PushWrite(Push(agent["id"], body, utcnow(), stored.key_id), stored.key_id)


async def _revoke(
    client: httpx.AsyncClient, admin_headers: dict[str, str], write: PushWrite
) -> None:
    """Revoke the key the push comes with, as an admin would."""
    assert write.key_id is not None
    response = await client.delete(f"/api/v1/keys/{write.key_id}", headers=admin_headers)
    assert response.status_code == 204


async def _seqs(database: Database, agent_id: int) -> list[int]:
    async with database.read() as session:
        return [stored.seq for stored in await results_of(session, agent_id)]


def _counts(outcome: object) -> tuple[int, int]:
    assert isinstance(outcome, Ingested), outcome
    return outcome.accepted, outcome.duplicates


async def test_each_push_of_a_group_gets_its_own_answer(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    a, b, c = [await register(client, admin_headers, name=name) for name in "abc"]
    other = await _write_for(database, b, 1)
    first = await _write_for(database, a, 1, 2)
    resent = await _write_for(database, a, 1, 2)
    gone = await _write_for(database, c, 1)
    assert (await client.delete(f"/api/v1/agents/{c['id']}", headers=admin_headers)).is_success
    gone = PushWrite(gone.push, None)  # as the admin token would push for it

    # Written in the order of their agents' ids, answered in the order given.
    outcomes = await write_together(database, [other, first, resent, gone])

    assert _counts(outcomes[0]) == (1, 0)
    assert _counts(outcomes[1]) == (2, 0)
    assert _counts(outcomes[2]) == (0, 2)  # the same batch again: stored once
    assert outcomes[3] is None
    assert await _seqs(database, a["id"]) == [1, 2]
    assert await _seqs(database, b["id"]) == [1]
    async with database.read() as session:
        heard = await get_agent(session, b["id"])
        assert heard is not None and heard.last_seen_at is not None
        assert heard.key_id is not None
        key = await get_key(session, heard.key_id)
        assert key is not None and key.last_used_at is not None


async def test_a_group_with_a_revoked_key_stores_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    a, b = [await register(client, admin_headers, name=name) for name in "ab"]
    good, revoked = await _write_for(database, a, 1), await _write_for(database, b, 1)
    await _revoke(client, admin_headers, revoked)

    with pytest.raises(KeyRevoked):
        await write_together(database, [good, revoked])

    assert await _seqs(database, a["id"]) == []
    async with database.read() as session:
        unheard = await get_agent(session, a["id"])
        assert unheard is not None and unheard.last_seen_at is None


async def test_a_revoked_keys_push_is_refused_and_the_rest_of_its_group_stored(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    a, b, c = [await register(client, admin_headers, name=name) for name in "abc"]
    writes = [await _write_for(database, agent, 1) for agent in (a, b, c)]
    await _revoke(client, admin_headers, writes[1])
    writer = PushWriter(database, window=0.05)

    outcomes = await asyncio.gather(
        *(writer.write(write) for write in writes), return_exceptions=True
    )

    assert _counts(outcomes[0]) == (1, 0)
    assert isinstance(outcomes[1], KeyRevoked)
    assert _counts(outcomes[2]) == (1, 0)
    assert [await _seqs(database, agent["id"]) for agent in (a, b, c)] == [[1], [], [1]]


class _Spy:
    """write_together, counting the groups it is given (or failing each, when told)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.sizes: list[int] = []
        self.fail = fail

    async def __call__(self, database: Database, writes: Sequence[PushWrite]) -> list[Any]:
        self.sizes.append(len(writes))
        if self.fail:
            raise RuntimeError("the group's transaction failed")
        return await write_together(database, writes)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> _Spy:
    spy = _Spy()
    monkeypatch.setattr(agent_pushes, "write_together", spy)
    return spy


async def test_pushes_within_the_window_share_one_transaction(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database, spy: _Spy
) -> None:
    agents = [await register(client, admin_headers, name=name) for name in "abc"]
    writes = [await _write_for(database, agent, 1) for agent in agents]
    writer = PushWriter(database, window=0.05)

    outcomes = await asyncio.gather(*(writer.write(write) for write in writes))

    assert spy.sizes == [3]
    assert [_counts(outcome) for outcome in outcomes] == [(1, 0)] * 3
    assert _counts(await writer.write(writes[0])) == (0, 1)  # a later push: a group of its own
    assert spy.sizes == [3, 1]


async def test_a_full_group_is_closed_and_the_next_push_opens_another(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database, spy: _Spy
) -> None:
    agents = [await register(client, admin_headers, name=name) for name in "abcde"]
    writes = [await _write_for(database, agent, 1) for agent in agents]
    writer = PushWriter(database, window=0.05, max_group=2)

    outcomes = await asyncio.gather(*(writer.write(write) for write in writes))

    assert spy.sizes == [2, 2, 1]
    assert [_counts(outcome) for outcome in outcomes] == [(1, 0)] * 5


async def test_a_failed_group_is_written_push_by_push(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database, spy: _Spy
) -> None:
    spy.fail = True
    a, b = [await register(client, admin_headers, name=name) for name in "ab"]
    good, revoked = await _write_for(database, a, 1), await _write_for(database, b, 1)
    await _revoke(client, admin_headers, revoked)
    writer = PushWriter(database, window=0.05)

    outcomes = await asyncio.gather(
        writer.write(good), writer.write(revoked), return_exceptions=True
    )

    assert spy.sizes == [2]
    assert _counts(outcomes[0]) == (1, 0)
    assert isinstance(outcomes[1], KeyRevoked)
    assert await _seqs(database, a["id"]) == [1]
    assert await _seqs(database, b["id"]) == []


async def test_concurrent_pushes_through_the_api_are_written_together(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database, spy: _Spy
) -> None:
    agents = [await register(client, admin_headers, name=name) for name in "abc"]
    bodies = [batch([result(1), result(2)]) for _ in agents]

    pushes = (push(client, agent, body) for agent, body in zip(agents, bodies, strict=True))
    answers = await asyncio.gather(*pushes)

    assert [answer.status_code for answer in answers] == [200] * 3
    assert all(answer.json()["accepted"] == 2 for answer in answers)
    assert spy.sizes == [3]


async def test_two_replicas_grouping_the_same_agents_in_opposite_orders_answer_every_push(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two writers (as on two replicas) given the same agents' pushes in opposite orders at
    once: a group takes agents in id order, so neither waits on the other in a circle (on
    PostgreSQL the server would break that by failing one, written again push by push), and
    each batch is stored once, the other copy answered as duplicates."""
    alone: list[PushWrite] = []

    async def never_alone(database: Database, write: PushWrite) -> Ingested | None:
        alone.append(write)
        raise AssertionError("a group failed")

    monkeypatch.setattr(agent_pushes, "write_alone", never_alone)
    agents = [await register(client, admin_headers, name=f"a{i}") for i in range(8)]
    writes = [await _write_for(database, agent, 1, 2) for agent in agents]
    here, there = PushWriter(database, window=0.02), PushWriter(database, window=0.02)

    outcomes = await asyncio.gather(
        *(here.write(write) for write in writes),
        *(there.write(write) for write in reversed(writes)),
    )

    counts = [_counts(outcome) for outcome in outcomes]
    for agent_index in range(len(agents)):
        pair = {counts[agent_index], counts[-1 - agent_index]}
        assert pair == {(2, 0), (0, 2)}
    assert [await _seqs(database, agent["id"]) for agent in agents] == [[1, 2]] * len(agents)
    assert alone == []
