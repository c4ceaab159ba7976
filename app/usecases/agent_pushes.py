"""Agents' pushes written to the database, a few together.

A push's write is a handful of statements (the agent heard from, its results, its key's use),
and most of its cost is the transaction around them: BEGIN and COMMIT, the pool's checkout,
and on SQLite a hand-off to aiosqlite's thread for each statement. So pushes arriving within
`GROUP_WINDOW_SECONDS` of each other share one transaction (group commit): at 2,000 agents
pushing every 30 s, a push costs about 2.4 ms of CPU on SQLite instead of 3.6
(bench/agents.py).

A push's answer is always its own. The group takes its agents' rows in the order of their
ids, then its keys', as a push alone and an agent's removal take an agent's row before its
key's, so no two writers wait on each other in a circle (PostgreSQL locks rows). Should a key
of the group have been revoked, or the group fail otherwise, nothing of it is kept and each
push is written again alone: a revoked key's push then stores nothing and is refused, the
others are stored."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from app.store.agents import Ingested, Push, ingest_many
from app.store.db import Database
from app.store.keys import note_live_use, note_live_uses

# How long the first push of a group waits for others; at 2,000 agents (67 pushes/s) a group
# holds about four. A push's answer is that much later, well inside an agent's patience.
GROUP_WINDOW_SECONDS = 0.05
# A burst (every agent back after an outage) is written in transactions of at most this many
# pushes, so the checker's writes, queued behind on the one writer connection, wait little.
MAX_GROUP = 100


class KeyRevoked(Exception):
    """The key the push came with was revoked: nothing of the push was stored."""


@dataclass(frozen=True, slots=True)
class PushWrite:
    """A push, and the key whose use it notes (None for the admin token): the push is stored
    only while that key is live."""

    push: Push
    key_id: int | None


async def write_alone(database: Database, write: PushWrite) -> Ingested | None:
    """The push in its own transaction: what it stored, or None when its agent is gone.
    Raises KeyRevoked, storing nothing, when its key was revoked."""
    async with database.transaction() as session:
        (ingested,) = await ingest_many(session, [write.push])
        # After the agent's row, as removing an agent locks them: no deadlock between the two.
        if write.key_id is not None and not await note_live_use(
            session, write.key_id, now=write.push.received_at
        ):
            raise KeyRevoked  # rolls the push back
    return ingested


async def write_together(database: Database, writes: Sequence[PushWrite]) -> list[Ingested | None]:
    """The pushes in one transaction: for each, what `write_alone` would have answered.
    Raises KeyRevoked, storing nothing of any of them, when a key of theirs was revoked."""
    order = sorted(range(len(writes)), key=lambda index: writes[index].push.agent_id)
    async with database.transaction() as session:
        stored = await ingest_many(session, [writes[index].push for index in order])
        keys = {write.key_id for write in writes if write.key_id is not None}
        latest = max(write.push.received_at for write in writes)
        if await note_live_uses(session, keys, now=latest) != keys:
            raise KeyRevoked  # rolls the group back
    outcomes: list[Ingested | None] = [None] * len(writes)
    for index, ingested in zip(order, stored, strict=True):
        outcomes[index] = ingested
    return outcomes


@dataclass(slots=True)
class _Waiting:
    write: PushWrite
    answer: asyncio.Future[Ingested | None]

    def settle(self, outcome: Ingested | BaseException | None) -> None:
        if self.answer.done():  # its request gave up waiting
            return
        if isinstance(outcome, BaseException):
            self.answer.set_exception(outcome)
        else:
            self.answer.set_result(outcome)


class PushWriter:
    """One per app (see `app.api.agents.push_writer`): writes pushes, together when
    `window` is above zero, each alone otherwise."""

    def __init__(
        self,
        database: Database,
        *,
        window: float = GROUP_WINDOW_SECONDS,
        max_group: int = MAX_GROUP,
    ) -> None:
        self._database = database
        self._window = window
        self._max_group = max_group
        self._open: list[_Waiting] | None = None
        self._flushing: set[asyncio.Task[None]] = set()

    async def write(self, write: PushWrite) -> Ingested | None:
        """What the push stored, or None when its agent is gone; raises KeyRevoked."""
        if self._window <= 0:
            return await write_alone(self._database, write)
        waiting = _Waiting(write, asyncio.get_running_loop().create_future())
        if self._open is None:
            self._open = []
            flush = asyncio.create_task(self._flush_after_window(self._open))
            self._flushing.add(flush)  # held until done: the loop keeps only a weak reference
            flush.add_done_callback(self._flushing.discard)
        self._open.append(waiting)
        if len(self._open) >= self._max_group:
            self._open = None  # full: its flush writes it when its window ends
        return await waiting.answer

    async def _flush_after_window(self, group: list[_Waiting]) -> None:
        await asyncio.sleep(self._window)
        if self._open is group:
            self._open = None
        try:
            outcomes = await write_together(self._database, [waiting.write for waiting in group])
        except Exception:
            # A revoked key, a busy database or a deadlock the server broke: each push alone,
            # so one push's fault never answers for the others.
            for waiting in group:
                await self._write_alone(waiting)
            return
        for waiting, outcome in zip(group, outcomes, strict=True):
            waiting.settle(outcome)

    async def _write_alone(self, waiting: _Waiting) -> None:
        try:
            waiting.settle(await write_alone(self._database, waiting.write))
        except Exception as error:
            waiting.settle(error)
