"""The leased worker: an APScheduler tick that claims work leased to it in the database, does
the work outside any transaction, and records what came back in batches. All state is in the
database; a worker holds only work in flight, so a restart or a second replica does no harm.

A subclass says how to `claim`, `work`, `record` and `release`; this class runs the ticks,
the shutdown grace and the outage logging the same way for each."""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from app.workers.clock import Clock, SystemClock
from app.workers.failure_streak import FailureStreak

Claimed = TypeVar("Claimed")
Done = TypeVar("Done")
Job = Callable[[], Awaitable[None]]

# A tick the event loop could not run on time runs once, late; never two at a time.
JOB_DEFAULTS: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 1}
STOP_GRACE_SECONDS = 5.0
FLUSH_RESERVE_SECONDS = 1.0
# A tick's period varies by this share of the tick around its mean.
TICK_JITTER = 0.5


def tick_trigger(tick_seconds: float) -> IntervalTrigger:
    """Ticks every `tick_seconds` on average, each period drawn at random around it.

    Replicas share work by whose tick comes first after it is due. On a fixed period their
    ticks keep the phases they started with, and one whose tick follows the longest gap takes
    most of the work for good (64 / 23 / 13 % of 10,000 services across three replicas,
    bench/replicas.py). Drawn periods (APScheduler adds the jitter to the previous run) let
    the phases wander, so each replica's share tends to an even one."""
    jitter = tick_seconds * TICK_JITTER
    return IntervalTrigger(seconds=tick_seconds - jitter / 2, jitter=jitter, timezone=UTC)


@dataclass(frozen=True, slots=True)
class WorkerNames:
    """How the log speaks of a worker, its claims and its results."""

    worker: str  # "checker"
    claiming: str  # "claiming due services"
    recording: str  # "recording check results"
    results: str  # "check results"


class LeasedWorker(ABC, Generic[Claimed, Done]):
    def __init__(
        self,
        names: WorkerNames,
        log: logging.Logger,
        *,
        tick_seconds: float,
        batch_size: int,
        clock: Clock | None = None,
    ) -> None:
        self.names = names
        self.log = log
        self.clock = clock or SystemClock()
        self.tick_seconds = tick_seconds
        self.batch_size = batch_size
        self._in_flight: dict[asyncio.Task[None], Claimed] = {}
        self._completed: list[Done] = []
        self._record_by = float("inf")  # monotonic time by which _completed must be written
        # One tick at a time, and stop() waits for it: cancelling a tick mid-transaction
        # would drop the batch it was writing.
        self._busy = asyncio.Lock()
        self._stopping = False
        self._claim_failures = FailureStreak(log, names.claiming)
        self._record_failures = FailureStreak(log, names.recording)
        self._scheduler = AsyncIOScheduler(job_defaults=JOB_DEFAULTS)

    @property
    @abstractmethod
    def capacity(self) -> int:
        """How much work may be claimed and unfinished at once."""

    @abstractmethod
    async def claim(self, room: int) -> Sequence[Claimed]:
        """Lease up to `room` items of due work (none when `room` ≤ 0)."""

    @abstractmethod
    async def work(self, claimed: Claimed) -> Done:
        """Do one item of work; its failures are data in the result, never an exception."""

    @abstractmethod
    async def record(self, batch: list[Done]) -> None:
        """Write one batch of results in one transaction."""

    async def release(self, cut_off: list[Claimed]) -> None:
        """Work cut off at shutdown keeps its lease until the lease runs out, unless this says
        otherwise."""

    def record_within(self, claimed: Claimed) -> float:
        """Seconds a finished result may wait to be written: by default, the next tick."""
        return 0.0

    def side_jobs(self) -> Sequence[tuple[Job, float]]:
        """Other jobs to run every so many seconds beside the tick."""
        return ()

    def slot_freed(self) -> None:
        """Called as each item of work finishes, outside any tick."""

    @property
    def working(self) -> int:
        return len(self._in_flight)

    @property
    def idle(self) -> bool:
        return not self._in_flight and not self._completed

    def start(self) -> None:
        first_run = datetime.now(UTC)  # APScheduler keeps time by the system clock
        self._scheduler.add_job(self.tick, tick_trigger(self.tick_seconds), next_run_time=first_run)
        for job, seconds in self.side_jobs():
            self._scheduler.add_job(job, "interval", seconds=seconds, next_run_time=first_run)
        self._scheduler.start()

    async def tick(self) -> None:
        """Record the results that are due to be written, then claim as much work as there
        is room for and start it."""
        if self._stopping or self._busy.locked():
            return  # a claim is under way (a refill, a slow tick): this tick can wait
        async with self._busy:
            if len(self._completed) >= self.batch_size or time.monotonic() >= self._record_by:
                await self.flush()
            try:
                await self.claim_now()
            except Exception as exc:  # the database is away: claim again next tick
                self._claim_failures.failed(exc)
            else:
                self._claim_failures.succeeded()

    async def claim_now(self) -> None:
        """Claim and start work; the caller holds `_busy`."""
        if self._stopping:
            return
        for claimed in await self.claim(self.capacity - len(self._in_flight)):
            task = asyncio.create_task(self._work(claimed))
            self._in_flight[task] = claimed
            task.add_done_callback(self._forget)

    async def _work(self, claimed: Claimed) -> None:
        done = await self.work(claimed)
        self._completed.append(done)
        self._record_by = min(self._record_by, time.monotonic() + self.record_within(claimed))

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)
        self.slot_freed()

    async def flush(self) -> None:
        """Write every finished result, a batch per transaction."""
        self._record_by = float("inf")
        while self._completed:
            batch = self._completed[: self.batch_size]
            del self._completed[: self.batch_size]
            try:
                await self.record(batch)
            except BaseException as exc:
                # The work stays leased; put the results back and try on the next tick (or,
                # cancelled at shutdown, leave them for the lease to run out).
                self._completed[:0] = batch
                if not isinstance(exc, Exception):
                    raise
                self._record_failures.failed(exc)
                self._record_by = time.monotonic()
                return
            self._record_failures.succeeded()

    async def stop(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        """Stop claiming, let the work in flight finish within `grace_seconds`, and record
        what came back before returning. Work still running then is cut off and released."""
        self._stopping = True
        deadline = time.monotonic() + grace_seconds
        # Recording what finished needs a moment of the grace; the work gets the rest.
        work_by = deadline - min(FLUSH_RESERVE_SECONDS, grace_seconds / 4)
        await self._wait_for_tick(work_by)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        cut_off = await _finish_within(self._in_flight, work_by - time.monotonic())
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                await self.flush()
                await self.release(cut_off)
        except TimeoutError:
            unrecorded = len(self._completed)
            self.log.warning("%d %s not recorded within the grace", unrecorded, self.names.results)

    async def _wait_for_tick(self, by: float) -> None:
        # APScheduler's shutdown cancels a running job, which must not be a tick halfway
        # through recording.
        try:
            async with asyncio.timeout(max(0.0, by - time.monotonic())):
                await self._busy.acquire()
        except TimeoutError:
            self.log.warning(
                "a %s tick outlived the shutdown grace; it is cut off", self.names.worker
            )
        else:
            self._busy.release()


async def _finish_within(tasks: dict[asyncio.Task[None], Claimed], seconds: float) -> list[Claimed]:
    """Waits up to `seconds` for `tasks`, cancels the rest; returns the work cut off."""
    if not tasks:
        return []
    _, pending = await asyncio.wait(list(tasks), timeout=max(0.0, seconds))
    cut_off = [tasks[task] for task in pending if task in tasks]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return cut_off
