"""The live feed behind the SSE stream: ONE poller per process reads new transitions from the
database by id and fans each out, encoded once, to every subscriber. It starts with the first
subscriber and stops when the last one leaves, so an idle process polls nothing.

Waves ride along: each poll compares the active waves (and those that just ended) with what it
saw last, and fans out a `wave` event for every start, membership change and end. They carry
no id, so a client's Last-Event-ID stays a transition's; a (re)connecting client is sent the
active waves first instead.

Ids are handed out at insert but seen at commit: on PostgreSQL a lower id can commit after a
higher one. Ids skipped over are asked for again for `GAP_SECONDS` before they are taken for
rolled-back inserts, so a late commit still reaches listeners.

A crowd connects at once when a cutoff makes the news, so while the poller runs a connect
reads nothing from the database: the active waves and the recent events (for a resume from
Last-Event-ID) come from what the poller holds. Heartbeats go out from the poller too, one
encoded comment for all listeners instead of a timer per connection, and every fan-out goes
in slices, so waking a crowd never holds the event loop for long.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, or_
from sqlmodel import col, select

from app.core.events import wave_data
from app.store.db import Database
from app.store.models import Transition
from app.store.waves import WaveRecord, waves_touched_since
from app.stream.crowd_heap import CrowdHeap
from app.usecases.waves import wave_facts

log = logging.getLogger(__name__)

GAP_SECONDS = 30.0
MAX_GAP = 1000  # a wider jump is a sequence's cache, not transactions in flight
RECENT_EVENTS = 2000  # kept for resumes; a resume from further back reads the database
FAN_OUT_SLICE = 100  # listeners woken per turn of the event loop
SEP = "\r\n"  # sse_starlette's separator, which the stream has always used


def sse_frame(
    *,
    data: str | None = None,
    event: str | None = None,
    event_id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
) -> bytes:
    """One Server-Sent Event as it goes on the wire (fields in sse_starlette's order)."""
    lines = [f": {chunk}" for chunk in comment.splitlines()] if comment is not None else []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event is not None:
        lines.append(f"event: {event}")
    if data is not None:
        lines += [f"data: {chunk}" for chunk in data.splitlines()]
    if retry is not None:
        lines.append(f"retry: {retry}")
    return (SEP.join(lines) + SEP + SEP).encode()


@dataclass(frozen=True, slots=True)
class LiveEvent:
    id: int  # the transition's, or the wave's
    region_code: str
    category: str
    data: str  # the transition's (or wave's) public JSON
    kind: str = "transition"  # or "wave"; "ping" is a heartbeat for every listener
    regions: tuple[str, ...] = ()  # a wave's members
    frame: bytes = b""  # the event on the wire, encoded once for every listener


def transition_event(event_id: int, region_code: str, category: str, data: str) -> LiveEvent:
    frame = sse_frame(data=data, event="transition", event_id=str(event_id))
    return LiveEvent(event_id, region_code, category, data, frame=frame)


def wave_event(wave_id: int, category: str, data: str, regions: tuple[str, ...]) -> LiveEvent:
    # No id: a client's Last-Event-ID stays the last transition's, so a resume replays
    # transitions only; the active waves are sent again on every (re)connect.
    frame = sse_frame(data=data, event="wave")
    return LiveEvent(wave_id, "", category, data, "wave", regions, frame)


def ping_event() -> LiveEvent:
    frame = sse_frame(comment=f"ping - {datetime.now(UTC)}")
    return LiveEvent(0, "", "", "", kind="ping", frame=frame)


def encode_wave(wave: WaveRecord) -> str:
    """A wave as the API and the wave.* webhooks show it."""
    return json.dumps(wave_data(wave_facts(wave))["wave"], ensure_ascii=False)


WaveSeen = tuple[datetime, datetime | None, tuple[str, ...]]


@dataclass(eq=False, slots=True)
class Subscriber:
    """One listener's mailbox: a list and one waiter, lighter than an asyncio.Queue (a crowd
    holds thousands), taken in batches so a burst goes out in one write."""

    limit: int
    pending: list[LiveEvent] = field(default_factory=list)
    waiter: asyncio.Future[None] | None = None
    # The oldest event dropped because the mailbox was full: the stream replays from there.
    dropped_from: int | None = None
    # A wave event was dropped: the stream sends the active waves again.
    missed_waves: bool = False
    # The client went away or the server is shutting down: the stream ends.
    closed: bool = False

    def offer(self, event: LiveEvent) -> None:
        if len(self.pending) < self.limit:
            self.pending.append(event)
        elif event.kind == "wave":
            self.missed_waves = True
        elif event.kind == "transition":
            self.dropped_from = min(self.dropped_from or event.id, event.id)
        self._wake()

    def close(self) -> None:
        self.closed = True
        self._wake()

    async def take(self) -> list[LiveEvent]:
        """What arrived since the last take, waiting for something (or the close) first."""
        while not self.pending and not self.closed:
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        taken, self.pending = self.pending, []
        return taken

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


@dataclass(eq=False)
class LiveFeed:
    database: Database
    encode: Callable[[Transition], str]
    interval_seconds: float = 0.25
    heartbeat_seconds: float = 15.0
    queue_size: int = 1000
    batch: int = 500
    # Whether the server is shutting down: open streams are then ended (checked each poll).
    exiting: Callable[[], bool] = lambda: False
    # Sets a growing crowd aside from the collector's full passes (app.stream.crowd_heap).
    heap: CrowdHeap | None = None
    _subscribers: set[Subscriber] = field(default_factory=set)
    _task: asyncio.Task[None] | None = None
    _starting: asyncio.Lock = field(default_factory=asyncio.Lock)
    _high: int = 0
    _gaps: dict[int, float] = field(default_factory=dict)  # id → when to give up on it
    wave_encoder: Callable[[WaveRecord], str] = encode_wave
    _waves: dict[int, WaveSeen] = field(default_factory=dict)  # active waves as last seen
    _active: dict[int, LiveEvent] = field(default_factory=dict)  # and as sent, by id
    _recent: deque[LiveEvent] = field(default_factory=deque)  # as the poller saw them
    _recent_floor: int = 0  # ids up to this one may be missing from `_recent`
    _next_ping: float = 0.0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def subscribe(self) -> Subscriber:
        """A subscriber that receives every transition committed from now on."""
        async with self._starting:  # a crowd arriving at once starts one poller
            if not self.running:
                self._high, self._gaps = await self._start_position()
                changes = await self._wave_changes({})
                self._waves = {event.id: seen for event, seen in changes}
                self._active = {event.id: event for event, _ in changes}
                self._recent, self._recent_floor = deque(), self._high
                self._next_ping = time.monotonic() + self.heartbeat_seconds
                self._task = asyncio.create_task(self._run(), name="pantau-live-feed")
        subscriber = Subscriber(self.queue_size)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    async def replay(self, after_id: int) -> AsyncIterator[LiveEvent]:
        """Every committed transition with an id above `after_id`, in id order."""
        if self.running and after_id >= self._recent_floor:
            # The poller has run since before `after_id`: what it saw is all there is (an id
            # still in flight reaches subscribers live when it commits).
            if after_id < self._high:
                for event in sorted((e for e in self._recent if e.id > after_id), key=_by_id):
                    yield event
            return
        while True:
            async with self.database.read() as session:
                query = select(Transition).where(col(Transition.id) > after_id)
                rows = await session.exec(query.order_by(col(Transition.id)).limit(self.batch))
                events = [self._event(row) for row in rows.all()]
            for event in events:
                yield event
            if len(events) < self.batch:
                return
            after_id = events[-1].id

    async def active_waves(self) -> list[LiveEvent]:
        """The active waves as `wave` events: what a (re)connecting client is sent first."""
        if self.running:
            return list(self._active.values())
        return [event for event, _ in await self._wave_changes({})]

    async def _wave_changes(self, known: dict[int, WaveSeen]) -> list[tuple[LiveEvent, WaveSeen]]:
        """Active waves (and `known` ones since ended) that differ from `known`."""
        async with self.database.read() as session:
            waves = await waves_touched_since(session, known_active=list(known))
        changed = []
        for wave in waves:
            seen = (wave.updated_at, wave.ended_at, wave.regions)
            if known.get(wave.id) != seen:
                changed.append((self._wave_event(wave), seen))
        return changed

    def _wave_event(self, wave: WaveRecord) -> LiveEvent:
        category = str(wave.reason.category)
        return wave_event(wave.id, category, self.wave_encoder(wave), wave.regions)

    async def _start_position(self) -> tuple[int, dict[int, float]]:
        """The newest id, and the ids missing just below it (maybe still in flight)."""
        async with self.database.read() as session:
            newest = int((await session.exec(select(func.max(Transition.id)))).one() or 0)
            recent = select(Transition.id).where(col(Transition.id) > newest - MAX_GAP)
            present = set((await session.exec(recent)).all())
        until = time.monotonic() + GAP_SECONDS
        missing = set(range(max(1, newest - MAX_GAP + 1), newest)) - present
        return newest, dict.fromkeys(missing, until)

    async def _run(self) -> None:
        while self._subscribers:
            await asyncio.sleep(self.interval_seconds)
            if self.exiting():
                for subscriber in list(self._subscribers):
                    subscriber.close()
                return
            if self.heap is not None:
                self.heap.settle(len(self._subscribers))
            events: list[LiveEvent] = []
            try:  # transitions polled are kept even when the waves' poll fails after them
                events += await self._poll()
                events += await self._poll_waves()
            except Exception:  # the database may be restarting: keep the listeners, retry
                log.warning("live feed poll failed", exc_info=True)
            if time.monotonic() >= self._next_ping:
                self._next_ping = time.monotonic() + self.heartbeat_seconds
                events.append(ping_event())
            if events:
                await self._fan_out(events)
        if self.heap is not None:  # everyone left
            self.heap.settle(0)

    async def _fan_out(self, events: list[LiveEvent]) -> None:
        """Every event to every subscriber, a slice of them per turn of the event loop, so
        other requests are answered between slices."""
        subscribers = list(self._subscribers)
        for start in range(0, len(subscribers), FAN_OUT_SLICE):
            if start:
                await asyncio.sleep(0)
            for subscriber in subscribers[start : start + FAN_OUT_SLICE]:
                for event in events:
                    subscriber.offer(event)

    async def _poll(self) -> list[LiveEvent]:
        now = time.monotonic()
        self._gaps = {i: until for i, until in self._gaps.items() if until > now}
        wanted = col(Transition.id) > self._high
        if self._gaps:
            wanted = or_(wanted, col(Transition.id).in_(list(self._gaps)))
        async with self.database.read() as session:
            query = select(Transition).where(wanted).order_by(col(Transition.id))
            rows = list((await session.exec(query.limit(self.batch))).all())
            events = [self._event(row) for row in rows]
        for event in events:
            self._gaps.pop(event.id, None)
            if event.id > self._high + 1 and event.id - self._high <= MAX_GAP:
                self._gaps |= dict.fromkeys(range(self._high + 1, event.id), now + GAP_SECONDS)
            self._high = max(self._high, event.id)
            self._remember(event)
        return events

    def _remember(self, event: LiveEvent) -> None:
        if len(self._recent) >= RECENT_EVENTS:
            self._recent_floor = max(self._recent_floor, self._recent.popleft().id)
        self._recent.append(event)

    async def _poll_waves(self) -> list[LiveEvent]:
        changes = await self._wave_changes(self._waves)
        for event, seen in changes:
            self._waves[event.id] = seen
            self._active[event.id] = event
            if seen[1] is not None:  # ended: nothing more will change
                del self._waves[event.id]
                self._active.pop(event.id, None)
        return [event for event, _ in changes]

    def _event(self, row: Transition) -> LiveEvent:
        category = str(row.reason).split(".", 1)[0]
        return transition_event(row.id or 0, row.region_code, category, self.encode(row))


def _by_id(event: LiveEvent) -> int:
    return event.id
