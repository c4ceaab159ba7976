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
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import col, select

from app.core.events import wave_data
from app.store.db import Database
from app.store.models import Transition
from app.store.waves import WaveRecord, waves_touched_since
from app.usecases.waves import wave_facts

log = logging.getLogger(__name__)

GAP_SECONDS = 30.0
MAX_GAP = 1000  # a wider jump is a sequence's cache, not transactions in flight


@dataclass(frozen=True, slots=True)
class LiveEvent:
    id: int  # the transition's, or the wave's
    region_code: str
    category: str
    data: str  # the transition's (or wave's) public JSON
    kind: str = "transition"  # or "wave"
    regions: tuple[str, ...] = ()  # a wave's members


def encode_wave(wave: WaveRecord) -> str:
    """A wave as the API and the wave.* webhooks show it."""
    return json.dumps(wave_data(wave_facts(wave))["wave"], ensure_ascii=False)


WaveSeen = tuple[datetime, datetime | None, tuple[str, ...]]


@dataclass(eq=False)
class Subscriber:
    queue: asyncio.Queue[LiveEvent]
    # The oldest event dropped because the queue was full: the stream replays from there.
    dropped_from: int | None = None
    # A wave event was dropped: the stream sends the active waves again.
    missed_waves: bool = False

    def offer(self, event: LiveEvent) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            if event.kind == "wave":
                self.missed_waves = True
            else:
                self.dropped_from = min(self.dropped_from or event.id, event.id)


@dataclass(eq=False)
class LiveFeed:
    database: Database
    encode: Callable[[Transition], str]
    interval_seconds: float = 0.25
    heartbeat_seconds: float = 15.0
    queue_size: int = 1000
    batch: int = 500
    _subscribers: set[Subscriber] = field(default_factory=set)
    _task: asyncio.Task[None] | None = None
    _high: int = 0
    _gaps: dict[int, float] = field(default_factory=dict)  # id → when to give up on it
    wave_encoder: Callable[[WaveRecord], str] = encode_wave
    _waves: dict[int, WaveSeen] = field(default_factory=dict)  # active waves as last seen

    async def subscribe(self) -> Subscriber:
        """A subscriber that receives every transition committed from now on."""
        if self._task is None or self._task.done():
            self._high, self._gaps = await self._start_position()
            self._waves = {e.id: seen for e, seen in await self._wave_changes({})}
            self._task = asyncio.create_task(self._run(), name="pantau-live-feed")
        subscriber = Subscriber(asyncio.Queue(self.queue_size))
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    async def replay(self, after_id: int) -> AsyncIterator[LiveEvent]:
        """Every committed transition with an id above `after_id`, in id order."""
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
        data = self.wave_encoder(wave)
        return LiveEvent(wave.id, "", category, data, kind="wave", regions=wave.regions)

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
            try:
                events = await self._poll() + await self._poll_waves()
            except Exception:  # the database may be restarting: keep the listeners, retry
                log.warning("live feed poll failed", exc_info=True)
                continue
            for event in events:
                for subscriber in list(self._subscribers):
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
        return events

    async def _poll_waves(self) -> list[LiveEvent]:
        changes = await self._wave_changes(self._waves)
        for event, seen in changes:
            self._waves[event.id] = seen
            if seen[1] is not None:  # ended: nothing more will change
                del self._waves[event.id]
        return [event for event, _ in changes]

    def _event(self, row: Transition) -> LiveEvent:
        category = str(row.reason).split(".", 1)[0]
        return LiveEvent(row.id or 0, row.region_code, category, self.encode(row))
