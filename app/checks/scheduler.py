"""The checker: APScheduler ticks that claim due services from the database, probe them with
bounded concurrency, and record the results in batches. All state is in the database; this
object holds only work in flight, so a restart or a second replica does no harm."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.checks.attribute import WaveRule, is_central_wave
from app.checks.probe import ProbeSpec, probe
from app.checks.record import Signals, record_checks
from app.checks.run import CheckRecord, DueCheck, due_check_from, run_check
from app.db import Database
from app.settings import Settings
from app.store.checks import claim_due, failing_and_monitored_regions, prune_samples
from app.store.models import Transition
from app.store.types import utcnow

log = logging.getLogger(__name__)

TransitionListener = Callable[[list[Transition]], Awaitable[None]]
RECORD_BATCH = 500
CONTROL_TIMEOUT_SECONDS = 5.0
STOP_GRACE_SECONDS = 5.0


class Checker:
    def __init__(self, database: Database, settings: Settings, client: httpx.AsyncClient) -> None:
        self.database = database
        self.settings = settings
        self.client = client
        self.wave_rule = WaveRule(settings.central_share, settings.central_min_regions)
        self.monitor_impaired = False
        self.listeners: list[TransitionListener] = []
        self.lags: deque[float] = deque(maxlen=100_000)
        self.probes_done = 0
        self._semaphore = asyncio.Semaphore(settings.checker_concurrency)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._completed: list[CheckRecord] = []
        self._scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 1}
        )

    def start(self) -> None:
        now = utcnow()
        tick = self.settings.checker_tick_seconds
        self._scheduler.add_job(self.tick, "interval", seconds=tick, next_run_time=now)
        if self.settings.control_urls:
            self._scheduler.add_job(
                self.check_control_targets,
                "interval",
                seconds=max(2.0, tick * 5),
                next_run_time=now,
            )
        self._scheduler.add_job(self.prune, "interval", minutes=10, next_run_time=now)
        self._scheduler.start()

    async def stop(self) -> None:
        self._scheduler.shutdown(wait=False)
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.flush()

    @property
    def queue_limit(self) -> int:
        # Claimed work must start before its lease runs out; keep the queue short.
        return self.settings.checker_concurrency * 20

    async def tick(self) -> None:
        await self.flush()
        room = self.queue_limit - len(self._in_flight)
        if room <= 0:
            return
        async with self.database.transaction() as session:
            rows = await claim_due(
                session,
                now=utcnow(),
                limit=room,
                lease_seconds=self.settings.checker_lease_seconds,
            )
        for row in rows:
            self._spawn(due_check_from(row))

    def _spawn(self, due: DueCheck) -> None:
        task = asyncio.create_task(self._run(due))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _run(self, due: DueCheck) -> None:
        async with self._semaphore:
            record = await run_check(self.client, due)
        self._completed.append(record)
        self.lags.append(record.lag_seconds)
        self.probes_done += 1

    async def flush(self) -> None:
        while self._completed:
            batch = self._completed[:RECORD_BATCH]
            del self._completed[:RECORD_BATCH]
            try:
                transitions = await self._record(batch)
            except Exception:
                # The rows stay leased; put the results back and try on the next tick.
                log.exception("recording %d check results failed; will retry", len(batch))
                self._completed[:0] = batch
                return
            if transitions:
                await self._announce(transitions)

    async def _record(self, batch: list[CheckRecord]) -> list[Transition]:
        now = utcnow()
        async with self.database.transaction() as session:
            since = now - timedelta(seconds=self.settings.central_window_seconds)
            failing, monitored = await failing_and_monitored_regions(session, since=since)
            signals = Signals(
                monitor_impaired=self.monitor_impaired,
                central_wave=is_central_wave(failing, monitored, self.wave_rule),
            )
            return await record_checks(session, batch, signals=signals)

    async def _announce(self, transitions: list[Transition]) -> None:
        for listener in self.listeners:
            try:
                await listener(transitions)
            except Exception:
                log.exception("transition listener %r failed", listener)

    async def check_control_targets(self) -> None:
        """The monitor is impaired when every control target fails in transport."""
        specs = [
            ProbeSpec(url, timeout_seconds=CONTROL_TIMEOUT_SECONDS)
            for url in self.settings.control_urls
        ]
        results = await asyncio.gather(*(probe(self.client, spec) for spec in specs))
        impaired = all(result.failure is not None for result in results)
        if impaired != self.monitor_impaired:
            log.warning("monitor %s", "impaired: control targets fail" if impaired else "recovered")
        self.monitor_impaired = impaired

    async def prune(self) -> None:
        before = utcnow() - timedelta(hours=self.settings.probe_retention_hours)
        async with self.database.transaction() as session:
            removed = await prune_samples(session, before=before)
        if removed:
            log.info("pruned %d probe samples older than %s", removed, before.isoformat())
