"""The checker: a leased worker (`app/workers/leased.py`) whose ticks claim due services,
probe them with bounded concurrency, and record the results in batches. All state is in the
database; this object holds only work in flight, so a restart or a second replica does no
harm."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from datetime import datetime, timedelta

import httpx
from prometheus_client import Counter as CounterChild

from app.checks.probe import ProbeSpec, probe
from app.checks.run import DueCheck, run_check
from app.core.clock import NO_STEP, ClockWatch
from app.core.domain import CheckRecord, FailureKind, Reason
from app.metrics import Metrics
from app.settings import Settings
from app.store.agents import PRUNE_AGENTS, agent_ids, prune_results
from app.store.checks import (
    PRUNE_CHUNK,
    claim_due,
    prune_samples,
    release_leases,
    shift_schedule,
)
from app.store.db import Database
from app.store.models import Transition
from app.usecases.record_checks import record_checks, signals_of
from app.workers.clock import Clock
from app.workers.leased import Job, LeasedWorker, WorkerNames

log = logging.getLogger(__name__)

RECORD_BATCH = 500
# Results wait at most this long to be written: one transaction a second, not one a tick, is
# what keeps 10,000 services under a quarter of a core. A service's lease holds it back until
# its result is in (two results of one service must never share a batch), so short intervals
# are written sooner.
FLUSH_EVERY_SECONDS = 1.0
FLUSH_SHARE_OF_INTERVAL = 0.05
CONTROL_TIMEOUT_SECONDS = 5.0
PRUNE_EVERY_SECONDS = 60.0
NAMES = WorkerNames("checker", "claiming due services", "recording check results", "check results")


class Checker(LeasedWorker[DueCheck, CheckRecord]):
    """A probe cut off at shutdown has its lease released, so the next start (or another
    replica) probes the service in its next slot."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        client: httpx.AsyncClient,
        *,
        metrics: Metrics | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(
            NAMES,
            log,
            tick_seconds=settings.checker_tick_seconds,
            batch_size=RECORD_BATCH,
            clock=clock,
        )
        self.database = database
        self.settings = settings
        self.client = client
        self.metrics = metrics or Metrics()
        # A lease must outlast the wait for its result to be written (a flush, a tick either
        # side), or a busy replica would see its own services probed again by another.
        floor = FLUSH_EVERY_SECONDS + 2 * settings.checker_tick_seconds + 1.0
        self.lease_seconds = max(settings.checker_lease_seconds, floor)
        self.monitor_impaired = False
        self.lags: deque[float] = deque(maxlen=100_000)
        self.probes_done = 0
        self._semaphore = asyncio.Semaphore(settings.checker_concurrency)
        self._clock_watch = ClockWatch()
        self._clock_step = NO_STEP
        self._probe_counters: dict[tuple[FailureKind | None, Reason], CounterChild] = {}

    @property
    def capacity(self) -> int:
        # Claimed work must start before its lease runs out; keep the queue short.
        return self.settings.checker_concurrency * 20

    def side_jobs(self) -> list[tuple[Job, float]]:
        jobs: list[tuple[Job, float]] = [(self.prune, PRUNE_EVERY_SECONDS)]
        if self.settings.control_urls:
            every = max(2.0, self.settings.checker_tick_seconds * 5)
            jobs.append((self.check_control_targets, every))
        return jobs

    async def claim(self, room: int) -> list[DueCheck]:
        await self._follow_clock_steps()
        if room <= 0:
            return []
        async with self.database.transaction() as session:
            claimed = await claim_due(
                session,
                now=self.clock.now(),
                limit=room,
                lease_seconds=self.lease_seconds,
            )
        if claimed:
            self.metrics.lease_claims.inc(len(claimed))
        self.metrics.in_flight.set(self.working + len(claimed))
        return [DueCheck.of(check) for check in claimed]

    async def _follow_clock_steps(self) -> None:
        now = self.clock.now()
        # Kept until the shift commits: a step seen while the database is away still counts.
        self._clock_step += min(NO_STEP, self._clock_watch.step(now, time.monotonic()))
        if self._clock_step == NO_STEP:
            return
        async with self.database.transaction() as session:
            moved = await shift_schedule(session, now=now, by=self._clock_step)
        back = -self._clock_step.total_seconds()
        log.warning("the clock stepped back %.1f s; %d slots moved with it", back, moved)
        self._clock_step = NO_STEP

    async def work(self, due: DueCheck) -> CheckRecord:
        async with self._semaphore:
            record = await run_check(self.client, due)
        lag = record.lag_seconds
        self.lags.append(lag)
        self.probes_done += 1
        result = record.result
        self._probe_counter(result.failure, record.verdict.reason).inc()
        self.metrics.probe_latency.observe(result.latency_ms / 1000)
        self.metrics.schedule_lag.observe(lag)
        return record

    def _probe_counter(self, failure: FailureKind | None, reason: Reason) -> CounterChild:
        """The probes counter's child for this outcome and category, looked up by label
        values once (`labels` locks and builds its key on every call; this runs per probe)."""
        key = (failure, reason)
        child = self._probe_counters.get(key)
        if child is None:
            outcome = "answered" if failure is None else str(failure)
            child = self.metrics.probes.labels(outcome, str(reason.category))
            self._probe_counters[key] = child
        return child

    def record_within(self, due: DueCheck) -> float:
        # Written within FLUSH_EVERY_SECONDS, and leased no longer than a twentieth of the
        # interval past the probe, so a short-interval service is written at the next tick
        # (a crash then strands few leases, and its next slot is never held back).
        return min(FLUSH_EVERY_SECONDS, FLUSH_SHARE_OF_INTERVAL * due.interval_seconds)

    async def record(self, batch: list[CheckRecord]) -> None:
        try:
            transitions = await self._record(batch)
        except Exception:
            self.metrics.record_batches.labels("error").inc()
            raise
        self.metrics.record_batches.labels("ok").inc()
        for transition in transitions:
            self.metrics.transitions.labels(str(transition.reason), str(transition.to_state)).inc()

    async def _record(self, batch: list[CheckRecord]) -> list[Transition]:
        signals = signals_of(
            self.settings, monitor_impaired=self.monitor_impaired, now=self.clock.now()
        )
        async with self.database.transaction() as session:
            return await record_checks(session, batch, signals=signals)

    async def release(self, cut_off: list[DueCheck]) -> None:
        if not cut_off:
            return
        log.warning("shutdown cut off %d probes in flight", len(cut_off))
        async with self.database.transaction() as session:
            await release_leases(session, [due.service_id for due in cut_off])

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
        """In small transactions, so the writer is never held long enough to delay claims
        (or agents' pushes). Agents' results are kept as long as probe samples."""
        before = self.clock.now() - timedelta(hours=self.settings.probe_retention_hours)
        removed = PRUNE_CHUNK
        total = 0
        while removed == PRUNE_CHUNK and not self._stopping:
            async with self.database.transaction() as session:
                removed = await prune_samples(session, before=before, limit=PRUNE_CHUNK)
            total += removed
        if total:
            log.info("pruned %d probe samples older than %s", total, before.isoformat())
        if results := await self._prune_agent_results(before):
            log.info("pruned %d agent results older than %s", results, before.isoformat())

    async def _prune_agent_results(self, before: datetime) -> int:
        after, total = 0, 0
        while not self._stopping:
            async with self.database.transaction() as session:
                ids = await agent_ids(session, after=after, limit=PRUNE_AGENTS)
                total += await prune_results(session, agent_ids=ids, before=before)
            if len(ids) < PRUNE_AGENTS:
                break
            after = ids[-1]
        return total
