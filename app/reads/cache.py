"""An in-process cache of what the read API derives from the whole country's state (the
region overview, encoded documents), keyed on the data version (`freshness.py` says how
fresh): while nothing changes, a request costs at most one small query. One per process,
built in the lifespan and kept on `app.state`."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel

from app.core.regions.overview import Overview, build_overview
from app.reads.freshness import DataVersions
from app.store.db import Database
from app.store.snapshot import DataVersion, region_rows, state_groups

T = TypeVar("T")
GZIP_MIN_BYTES = 1000
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Encoded:
    """A JSON document encoded once: its bytes, their gzip, and its (weak) ETag."""

    identity: bytes
    gzipped: bytes | None
    etag: str

    @classmethod
    def of(cls, model: BaseModel) -> Encoded:
        body = model.__pydantic_serializer__.to_json(model)
        gzipped = gzip.compress(body, 6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        return cls(body, gzipped, weak_etag(body))

    def response(self, request: Request, *, language: str | None = None) -> Response:
        """`language`: the document is in that language, chosen by the request's
        Accept-Language (or `?lang=`), so shared caches must key on that header too."""
        headers = {"ETag": self.etag, "Vary": "Accept-Encoding"}
        if language is not None:
            headers |= {"Vary": "Accept-Encoding, Accept-Language", "Content-Language": language}
        if self.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(self.gzipped, media_type=JSON, headers=headers)
        return Response(self.identity, media_type=JSON, headers=headers)


def json_response(model: BaseModel) -> Response:
    """A model validated when it was built, encoded once. Left to FastAPI, the declared
    response_model would validate it all over again: the costliest step of a read route."""
    return Response(model.__pydantic_serializer__.to_json(model), media_type=JSON)


@dataclass(slots=True)
class InputsRead:
    """What an answer was made of: the monotonic build times of the cached values it read,
    and whether it reads the clock (see reads_no_clock)."""

    times: list[float]
    clock: bool = True


# While set, what a request reads (see watching_inputs). A mutable object, not a value set
# anew: a route may run in a task of its own, with a copy of the context.
_inputs_read: ContextVar[InputsRead | None] = ContextVar("inputs_read", default=None)


@contextmanager
def watching_inputs() -> Iterator[InputsRead]:
    """The cached values read within: what is made of them is as old as the oldest, and
    fresh for `max_age` from then, not from its own making."""
    inputs = InputsRead([])
    token = _inputs_read.set(inputs)
    try:
        yield inputs
    finally:
        _inputs_read.reset(token)


def reads_no_clock() -> None:
    """Said by a route whose answer depends on nothing but the data (every cached value it
    reads included), never on the time: it holds until the data version changes, not only
    for `max_age`, so answers kept for every region do not all expire, and get rebuilt, at
    once."""
    if (watching := _inputs_read.get()) is not None:
        watching.clock = False


def weak_etag(body: bytes) -> str:
    # Weak: the same document gzipped or not is the same representation for revalidation.
    return f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


class ReadCache:
    # Sized for a value per region and then some (the badges' uptime, per window asked).
    def __init__(self, database: Database, *, max_age: float = 15.0, size: int = 4096) -> None:
        self.database = database
        self.versions = DataVersions(database)
        self.max_age = max_age  # bounds anything time-dependent (maintenance under way)
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[Any, float, Any]] = OrderedDict()
        self._building: dict[tuple[Hashable, Any], asyncio.Future[Any]] = {}

    async def version(self) -> DataVersion:
        return await self.versions.current()

    async def get(
        self, key: Hashable, version: DataVersion, build: Callable[[], Awaitable[T]]
    ) -> T:
        """The value for `key` at `version`, built once however many ask at the same time."""
        entry = self._entries.get(key)
        fresh = entry is not None and time.monotonic() - entry[1] < self.max_age
        if entry is not None and fresh and entry[0] == version.key:
            # Least recently used goes first: the overview, read by every request, stays.
            self._entries.move_to_end(key)
            if (watching := _inputs_read.get()) is not None:
                watching.times.append(entry[1])
            value: T = entry[2]
            return value
        flight = (key, version.key)
        future = self._building.get(flight)
        if future is None:
            future = asyncio.ensure_future(self._build(key, version, build))
            self._building[flight] = future
            future.add_done_callback(lambda _: self._building.pop(flight, None))
        built: T = await asyncio.shield(future)
        return built

    async def _build(
        self, key: Hashable, version: DataVersion, build: Callable[[], Awaitable[T]]
    ) -> T:
        value = await build()
        self._entries[key] = (version.key, time.monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return value

    async def overview(self, version: DataVersion) -> Overview:
        return await self.get("overview", version, self._build_overview)

    async def _build_overview(self) -> Overview:
        async with self.database.read() as session:
            return build_overview(await region_rows(session), await state_groups(session))
