"""The checker: APScheduler ticks that claim due services from the database, probe them with
bounded concurrency, and record the results in batches. All state is in the database; this
object holds only work in flight, so a restart or a second replica does no harm."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel.ext.asyncio.session import AsyncSession

from app.checks.probe import ProbeSpec, probe
from app.checks.run import DueCheck, due_check_from, run_check
from app.core.attribution import CENTRAL_CATEGORIES, WaveRule, is_central_wave
from app.core.clock import NO_STEP, ClockWatch
from app.core.domain import CheckRecord
from app.metrics import Metrics
from app.settings import Settings
from app.store.checks import (
    PRUNE_CHUNK,
    claim_due,
    failing_and_monitored_regions,
    prune_samples,
    release_leases,
    shift_schedule,
)
from app.store.db import Database
from app.store.models import Transition
from app.store.types import utcnow
from app.usecases.record_checks import Signals, record_checks, vantage_rules_of
from app.workers.failure_streak import FailureStreak

log = logging.getLogger(__name__)

TransitionListener = Callable[[list[Transition]], Awaitable[None]]
RECORD_BATCH = 500
# Results wait at most this long to be written: one transaction a second, not one a tick, is
# what keeps 10,000 services under a quarter of a core. A service's lease holds it back until
# its result is in (two results of one service must never share a batch), so short intervals
# are written sooner.
FLUSH_EVERY_SECONDS = 1.0
FLUSH_SHARE_OF_INTERVAL = 0.05
CONTROL_TIMEOUT_SECONDS = 5.0
STOP_GRACE_SECONDS = 5.0
FLUSH_RESERVE_SECONDS = 1.0
PRUNE_EVERY_MINUTES = 1


class Checker:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        client: httpx.AsyncClient,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.client = client
        self.metrics = metrics or Metrics()
        self.wave_rule = WaveRule(settings.central_share, settings.central_min_regions)
        # A lease must outlast the wait for its result to be written (a flush, a tick either
        # side), or a busy replica would see its own services probed again by another.
        floor = FLUSH_EVERY_SECONDS + 2 * settings.checker_tick_seconds + 1.0
        self.lease_seconds = max(settings.checker_lease_seconds, floor)
        self.monitor_impaired = False
        self.listeners: list[TransitionListener] = []
        self.lags: deque[float] = deque(maxlen=100_000)
        self.probes_done = 0
        self._semaphore = asyncio.Semaphore(settings.checker_concurrency)
        self._in_flight: dict[asyncio.Task[None], int] = {}  # task → its service id
        self._completed: list[CheckRecord] = []
        self._flush_by = float("inf")  # monotonic time by which _completed must be written
        # One tick at a time, and stop() waits for it: cancelling a tick mid-transaction
        # would drop the batch it was writing.
        self._busy = asyncio.Lock()
        self._stopping = False
        self._clock = ClockWatch()
        self._clock_step = NO_STEP
        self._claim_failures = FailureStreak(log, "claiming due services")
        self._record_failures = FailureStreak(log, "recording check results")
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
        self._scheduler.add_job(
            self.prune, "interval", minutes=PRUNE_EVERY_MINUTES, next_run_time=now
        )
        self._scheduler.start()

    async def stop(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        """Stop claiming, let the probes in flight finish within `grace_seconds`, and record
        their results before returning. A probe still hanging then is cut off and its lease
        released, so the next start (or another replica) probes the service in its next slot."""
        self._stopping = True
        deadline = time.monotonic() + grace_seconds
        # Recording what finished needs a moment of the grace; probes get the rest.
        probes_by = deadline - min(FLUSH_RESERVE_SECONDS, grace_seconds / 4)
        try:
            async with asyncio.timeout(max(0.0, probes_by - time.monotonic())):
                await self._busy.acquire()  # a tick halfway through its transaction finishes
            self._busy.release()
        except TimeoutError:
            log.warning("a checker tick outlived the shutdown grace; it is cut off")
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        cut_off = await _finish_within(self._in_flight, probes_by - time.monotonic())
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                await self.flush()
                await self._release(cut_off)
        except TimeoutError:
            log.warning("%d check results not recorded in the grace", len(self._completed))

    async def _release(self, service_ids: list[int]) -> None:
        if not service_ids:
            return
        log.warning("shutdown cut off %d probes in flight", len(service_ids))
        async with self.database.transaction() as session:
            await release_leases(session, service_ids)

    @property
    def queue_limit(self) -> int:
        # Claimed work must start before its lease runs out; keep the queue short.
        return self.settings.checker_concurrency * 20

    async def tick(self) -> None:
        if self._stopping:
            return
        async with self._busy:
            if len(self._completed) >= RECORD_BATCH or time.monotonic() >= self._flush_by:
                await self.flush()
            try:
                await self._claim()
            except Exception as exc:  # the database is away: claim again next tick
                self._claim_failures.failed(exc)
            else:
                self._claim_failures.succeeded()

    async def _claim(self) -> None:
        await self._follow_clock_steps()
        room = self.queue_limit - len(self._in_flight)
        if room <= 0:
            return
        async with self.database.transaction() as session:
            rows = await claim_due(
                session,
                now=utcnow(),
                limit=room,
                lease_seconds=self.lease_seconds,
            )
        if rows:
            self.metrics.lease_claims.inc(len(rows))
        for row in rows:
            self._spawn(due_check_from(row))
        self.metrics.in_flight.set(len(self._in_flight))

    async def _follow_clock_steps(self) -> None:
        now = utcnow()
        # Kept until the shift commits: a step seen while the database is away still counts.
        self._clock_step += min(NO_STEP, self._clock.step(now, time.monotonic()))
        if self._clock_step == NO_STEP:
            return
        async with self.database.transaction() as session:
            moved = await shift_schedule(session, now=now, by=self._clock_step)
        back = -self._clock_step.total_seconds()
        log.warning("the clock stepped back %.1f s; %d slots moved with it", back, moved)
        self._clock_step = NO_STEP

    def _spawn(self, due: DueCheck) -> None:
        task = asyncio.create_task(self._run(due))
        self._in_flight[task] = due.service_id
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)

    async def _run(self, due: DueCheck) -> None:
        async with self._semaphore:
            record = await run_check(self.client, due)
        self._completed.append(record)
        # Written within FLUSH_EVERY_SECONDS, and leased no longer than a twentieth of the
        # interval past the probe, so a short-interval service is written at the next tick
        # (a crash then strands few leases, and its next slot is never held back).
        wait = min(FLUSH_EVERY_SECONDS, FLUSH_SHARE_OF_INTERVAL * due.interval_seconds)
        self._flush_by = min(self._flush_by, time.monotonic() + wait)
        lag = record.lag_seconds
        self.lags.append(lag)
        self.probes_done += 1
        result = record.result
        outcome = "answered" if result.failure is None else str(result.failure)
        self.metrics.probes.labels(outcome, str(record.verdict.reason.category)).inc()
        self.metrics.probe_latency.observe(result.latency_ms / 1000)
        self.metrics.schedule_lag.observe(lag)

    async def flush(self) -> None:
        self._flush_by = float("inf")
        while self._completed:
            batch = self._completed[:RECORD_BATCH]
            del self._completed[:RECORD_BATCH]
            try:
                transitions = await self._record(batch)
            except BaseException as exc:
                # The rows stay leased; put the results back and try on the next tick (or,
                # cancelled at shutdown, leave them for the lease to run out).
                self._completed[:0] = batch
                if not isinstance(exc, Exception):
                    raise
                self._record_failures.failed(exc)
                self.metrics.record_batches.labels("error").inc()
                self._flush_by = time.monotonic()
                return
            self._record_failures.succeeded()
            self.metrics.record_batches.labels("ok").inc()
            for transition in transitions:
                self.metrics.transitions.labels(
                    str(transition.reason), str(transition.to_state)
                ).inc()
            if transitions:
                await self._announce(transitions)

    async def _record(self, batch: list[CheckRecord]) -> list[Transition]:
        async with self.database.transaction() as session:
            signals = Signals(
                monitor_impaired=self.monitor_impaired,
                central_wave=await self._central_wave(session, batch),
                vantage=vantage_rules_of(self.settings),
            )
            return await record_checks(session, batch, signals=signals)

    async def _central_wave(self, session: AsyncSession, batch: list[CheckRecord]) -> bool:
        """Only a failure the wave could relabel needs the count across regions: a batch of
        healthy answers (nearly every batch) skips the query."""
        if not any(r.verdict.reason.category in CENTRAL_CATEGORIES for r in batch):
            return False
        since = utcnow() - timedelta(seconds=self.settings.central_window_seconds)
        failing, monitored = await failing_and_monitored_regions(session, since=since)
        return is_central_wave(failing, monitored, self.wave_rule)

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
        """In small transactions, so the writer is never held long enough to delay claims."""
        before = utcnow() - timedelta(hours=self.settings.probe_retention_hours)
        removed = PRUNE_CHUNK
        total = 0
        while removed == PRUNE_CHUNK and not self._stopping:
            async with self.database.transaction() as session:
                removed = await prune_samples(session, before=before, limit=PRUNE_CHUNK)
            total += removed
        if total:
            log.info("pruned %d probe samples older than %s", total, before.isoformat())


async def _finish_within(tasks: dict[asyncio.Task[None], int], seconds: float) -> list[int]:
    """Waits up to `seconds` for `tasks`, cancels the rest; returns the service ids cut off."""
    if not tasks:
        return []
    _, pending = await asyncio.wait(list(tasks), timeout=max(0.0, seconds))
    cut_off = [tasks[task] for task in pending if task in tasks]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return cut_off
