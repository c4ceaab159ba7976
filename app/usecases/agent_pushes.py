"""Agents' pushes written to the database: each alone, or, on SQLite, a few together.

A push's write is a handful of statements (the agent heard from, its results, its key's use),
and on SQLite most of its cost is the transaction around them: each statement is a hand-off
to aiosqlite's thread, BEGIN and COMMIT included. SQLite takes one writer at a time anyway,
so pushes arriving within `GROUP_WINDOW_SECONDS` of each other share one transaction (group
commit): at 2,000 agents pushing every 30 s, a push costs 2.3 ms of CPU instead of 3.6
(bench/agents.py). A group that fails is written again push by push, so a push's answer is
always its own.

PostgreSQL writes each push alone. It locks rows, not the database: a group takes its keys'
rows, then its agents', while removing an agent takes the agent's row, then its key's; and
two groups on two replicas could take the same agents in different orders. Either pair
could wait on each other."""

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


Outcome = Ingested | None | KeyRevoked


async def write_together(database: Database, writes: Sequence[PushWrite]) -> list[Outcome]:
    """The pushes in one transaction, SQLite's only (see the module's note): for each, what
    `write_alone` would have answered, a revoked key's pushes storing nothing."""
    async with database.transaction() as session:
        keys = {write.key_id for write in writes if write.key_id is not None}
        latest = max(write.push.received_at for write in writes)
        live = await note_live_uses(session, keys, now=latest)
        admitted = [write for write in writes if write.key_id is None or write.key_id in live]
        stored = iter(await ingest_many(session, [write.push for write in admitted]))
    return [
        next(stored) if write.key_id is None or write.key_id in live else KeyRevoked()
        for write in writes
    ]


@dataclass(slots=True)
class _Waiting:
    write: PushWrite
    answer: asyncio.Future[Ingested | None]

    def settle(self, outcome: Outcome | BaseException) -> None:
        if self.answer.done():  # its request gave up waiting
            return
        if isinstance(outcome, BaseException):
            self.answer.set_exception(outcome)
        else:
            self.answer.set_result(outcome)


class PushWriter:
    """One per app (see `app.api.agents.push_writer`): writes pushes, together when
    `window` is above zero."""

    def __init__(self, database: Database, *, window: float, max_group: int = MAX_GROUP) -> None:
        self._database = database
        self._window = window
        self._max_group = max_group
        self._open: list[_Waiting] | None = None
        self._flushing: set[asyncio.Task[None]] = set()

    @classmethod
    def for_database(cls, database: Database) -> PushWriter:
        return cls(database, window=GROUP_WINDOW_SECONDS if database.dialect == "sqlite" else 0)

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
            outcomes: Sequence[Outcome] = await write_together(
                self._database, [waiting.write for waiting in group]
            )
        except Exception:
            # One push's fault (or a busy database) must not answer for the others.
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
