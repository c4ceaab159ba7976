"""The data version, asked of the database as seldom as correctness allows.

- A version whose query started less than `ttl` seconds ago (0.25 s) is reused, unless this
  process committed anything since that query started: a process reads its own writes at
  once, other processes' (replicas, the CLI) within `ttl`, well inside Cache-Control's 5 s.
- Otherwise the request waits for a query that starts after it arrived; requests arriving
  while one runs share the next, so the database sees one version query at a time however
  many clients there are.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from app.store.db import Database
from app.store.snapshot import DataVersion, data_version


class _Commits:
    """Commits made by this process, on any engine: counted by one class-level listener."""

    count = 0

    @classmethod
    def watch(cls) -> None:
        if not event.contains(Engine, "commit", cls._seen):
            event.listen(Engine, "commit", cls._seen)

    @classmethod
    def _seen(cls, _connection: Connection) -> None:
        cls.count += 1


@dataclass(frozen=True, slots=True)
class _Asked:
    started: float  # monotonic
    commits: int  # this process's commits when the query started
    version: DataVersion


class DataVersions:
    def __init__(self, database: Database, *, ttl: float = 0.25) -> None:
        self.database = database
        self.ttl = ttl
        self._last: _Asked | None = None
        self._next: asyncio.Future[DataVersion] | None = None
        self._runner: asyncio.Task[None] | None = None
        _Commits.watch()

    async def current(self) -> DataVersion:
        last = self._last
        fresh = last is not None and time.monotonic() - last.started < self.ttl
        if last is not None and fresh and last.commits == _Commits.count:
            return last.version
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if self._runner is None or self._runner.done():
                self._runner = asyncio.create_task(self._ask())
        return await asyncio.shield(self._next)

    async def _ask(self) -> None:
        while self._next is not None:
            waiting, self._next = self._next, None
            started, commits = time.monotonic(), _Commits.count
            try:
                async with self.database.reader.connect() as connection:
                    version = await data_version(connection)
            except Exception as exc:  # every waiter gets the database's error
                waiting.set_exception(exc)
                continue
            self._last = _Asked(started, commits, version)
            waiting.set_result(version)
