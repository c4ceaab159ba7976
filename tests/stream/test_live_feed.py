"""The live feed without HTTP: a crowd connecting at once starts one poller, and while it runs
a resume and the active waves come from memory, not the database; a full mailbox records
where to catch up from."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from app.api.events import encode_transition
from app.core.domain import Reason
from app.store.db import Database
from app.stream.crowd_heap import CrowdHeap
from app.stream.live_feed import (
    LiveFeed,
    Subscriber,
    ping_event,
    transition_event,
    wave_event,
)
from tests.factories import add_service, probe
from tests.support.waiting import wait_for
from tests.support.waves import MALUKU, T0, reconcile

TIMEOUT, OK = Reason.NETWORK_TIMEOUT, Reason.OK


class NoReads:
    """A database whose reads fail: what must not be asked for."""

    def read(self) -> Any:
        raise AssertionError("read the database")


@asynccontextmanager
async def listening(feed: LiveFeed) -> AsyncIterator[Subscriber]:
    subscriber = await feed.subscribe()
    try:
        yield subscriber
    finally:
        feed.unsubscribe(subscriber)
        if feed._task is not None and not feed._subscribers:  # the last one out stops it
            await asyncio.wait_for(feed._task, 5)


async def taken_ids(subscriber: Subscriber, count: int) -> list[int]:
    ids: list[int] = []
    async with asyncio.timeout(5):
        while len(ids) < count:
            ids += [e.id for e in await subscriber.take() if e.kind == "transition"]
    return ids


async def test_a_crowd_subscribing_at_once_starts_one_poller(database: Database) -> None:
    feed = LiveFeed(database, encode_transition, interval_seconds=0.05)
    subscribers = await asyncio.gather(*(feed.subscribe() for _ in range(20)))
    pollers = [t for t in asyncio.all_tasks() if t.get_name() == "pantau-live-feed"]
    assert len(pollers) == 1 and pollers[0] is feed._task
    for subscriber in subscribers:
        feed.unsubscribe(subscriber)
    await asyncio.wait_for(pollers[0], 5)


async def test_resumes_and_waves_come_from_memory_while_the_poller_runs(
    database: Database,
) -> None:
    sid = await add_service(database)
    feed = LiveFeed(database, encode_transition, interval_seconds=0.05)
    async with listening(feed) as first:
        seen: list[int] = []
        for minute, reason in enumerate([TIMEOUT, OK, TIMEOUT]):
            seen += [t.id or 0 for t in await probe(database, sid, reason, minute)]
        assert await taken_ids(first, 3) == seen
        await reconcile(database, MALUKU, T0)
        async with asyncio.timeout(5):
            while not any(e.kind == "wave" for e in await first.take()):
                pass
        feed.database = NoReads()  # type: ignore[assignment]
        try:
            resumed = [e.id async for e in feed.replay(seen[0])]
            waves = await feed.active_waves()
        finally:
            feed.database = database
    assert resumed == seen[1:]
    assert [sorted(w.regions) for w in waves] == [sorted(MALUKU)]
    assert waves[0].frame.startswith(b"event: wave\r\ndata: {")


async def test_a_resume_from_before_the_poller_started_reads_the_database(
    database: Database,
) -> None:
    sid = await add_service(database)
    (older,) = await probe(database, sid, TIMEOUT, 0)
    (newer,) = await probe(database, sid, OK, 1)
    feed = LiveFeed(database, encode_transition, interval_seconds=0.05)
    async with listening(feed):
        assert older.id is not None and newer.id is not None
        assert [e.id async for e in feed.replay(older.id - 1)] == [older.id, newer.id]
        assert [e.id async for e in feed.replay(newer.id)] == []


def test_a_full_mailbox_records_where_to_catch_up_and_drops_heartbeats() -> None:
    subscriber = Subscriber(limit=2)
    events = [transition_event(i, "73.73", "network", "{}") for i in (7, 8, 9, 10)]
    for event in [*events, ping_event(), wave_event(3, "upstream", "{}", ("81.01",))]:
        subscriber.offer(event)
    assert [e.id for e in subscriber.pending] == [7, 8]
    assert subscriber.dropped_from == 9 and subscriber.missed_waves


async def test_heartbeats_reach_every_listener_from_the_one_poller(database: Database) -> None:
    feed = LiveFeed(database, encode_transition, interval_seconds=0.05, heartbeat_seconds=0.1)
    async with listening(feed) as first, listening(feed) as second:
        for subscriber in (first, second):
            async with asyncio.timeout(5):
                (ping,) = await subscriber.take()
            assert ping.kind == "ping" and ping.frame.startswith(b": ping - ")


async def test_a_server_shutting_down_closes_every_listener(database: Database) -> None:
    exiting = False
    feed = LiveFeed(database, encode_transition, interval_seconds=0.05, exiting=lambda: exiting)
    async with listening(feed) as first, listening(feed) as second:
        exiting = True
        async with asyncio.timeout(5):
            assert await first.take() == [] and await second.take() == []
        assert first.closed and second.closed


async def test_the_poller_tells_the_heap_the_crowd_size_and_when_everyone_left(
    database: Database,
) -> None:
    sizes: list[int] = []

    class Recording(CrowdHeap):
        def settle(self, viewers: int) -> None:
            sizes.append(viewers)

    feed = LiveFeed(database, encode_transition, interval_seconds=0.05, heap=Recording())
    async with listening(feed), listening(feed):
        await wait_for(lambda: 2 in sizes, within=5, interval=0.05)
    assert sizes[-1] == 0
