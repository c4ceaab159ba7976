"""The webhook dispatcher: an APScheduler tick that claims due deliveries from the database
under a lease, sends each outside any transaction, and records the attempts in batches.

All state is in the database; this object holds only work in flight. A crash loses nothing:
an unsent or unrecorded delivery keeps its lease until it expires and is then sent again with
the same `webhook-id` (at least once; receivers deduplicate on it).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.core.delivery_policy import AttemptResult, Decision, RetryPolicy, decide
from app.core.signing import signed_headers
from app.notify.send import post
from app.settings import Settings
from app.store.attempts import AttemptRow, record_attempts
from app.store.db import Database, FailureStreak
from app.store.deliveries import ClaimedDelivery, claim_due_deliveries, has_due_deliveries
from app.store.types import utcnow

log = logging.getLogger(__name__)

RECORD_BATCH = 200
STOP_GRACE_SECONDS = 5.0
FLUSH_RESERVE_SECONDS = 1.0
REFILL_ROOM = 8  # free slots worth a claim between ticks


def lease_seconds_for(settings: Settings) -> float:
    """A lease must outlive one send and the wait for the next tick's recording; a shorter
    setting would make every slow delivery a duplicate."""
    floor = settings.webhook_timeout_seconds + 2 * settings.dispatcher_tick_seconds + 1
    return max(settings.webhook_lease_seconds, floor)


class Dispatcher:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        client: httpx.AsyncClient,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.client = client
        self.policy = RetryPolicy(
            tuple(settings.webhook_retry_schedule), settings.webhook_retry_jitter
        )
        self.lease_seconds = lease_seconds_for(settings)
        self.sent = 0
        self._rng = rng or random.Random()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._completed: list[AttemptRow] = []
        self._lock = asyncio.Lock()
        # Set when a claim filled every free slot: more is probably due, so do not wait for
        # the next tick once a few slots are free again (a fan-out drains at send speed).
        self._backlog = False
        self._refill: asyncio.Task[None] | None = None
        self._stopping = False
        self._claim_failures = FailureStreak(log, "claiming due deliveries")
        self._record_failures = FailureStreak(log, "recording webhook attempts")
        self._scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 1}
        )

    def start(self) -> None:
        self._scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.settings.dispatcher_tick_seconds,
            next_run_time=utcnow(),
        )
        self._scheduler.start()

    async def stop(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        """Let sends in flight finish within `grace_seconds`, then record what came back.
        Anything cut off keeps its lease and is resent after it expires."""
        self._stopping = True
        deadline = time.monotonic() + grace_seconds
        sends_by = deadline - min(FLUSH_RESERVE_SECONDS, grace_seconds / 4)
        # Lock first: APScheduler's shutdown cancels a running job, which must not be a tick
        # halfway through recording.
        try:
            async with asyncio.timeout(max(0.0, sends_by - time.monotonic())):
                await self._lock.acquire()
        except TimeoutError:
            log.warning("a dispatcher tick outlived the shutdown grace; it is cut off")
        else:
            self._lock.release()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._in_flight:
            _, pending = await asyncio.wait(
                list(self._in_flight), timeout=max(0.0, sends_by - time.monotonic())
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._refill is not None:
            self._refill.cancel()
            await asyncio.gather(self._refill, return_exceptions=True)
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                await self.flush()
        except TimeoutError:
            log.warning("%d webhook attempts not recorded within the grace", len(self._completed))

    @property
    def idle(self) -> bool:
        return not self._in_flight and not self._completed

    async def tick(self) -> None:
        """Record the attempts that finished since the last tick, then claim as many due
        deliveries as there is room for and start sending them."""
        if self._lock.locked():
            return  # a refill is claiming right now; this tick's work can wait for the next
        async with self._lock:
            await self.flush()
            try:
                await self._claim()
            except Exception as exc:  # the database is away: claim again next tick
                self._claim_failures.failed(exc)
            else:
                self._claim_failures.succeeded()

    async def _claim(self) -> None:
        room = self.settings.dispatcher_concurrency - len(self._in_flight)
        if room <= 0 or self._stopping:
            return
        now = utcnow()
        async with self.database.read() as session:
            if not await has_due_deliveries(session, now=now):
                return
        async with self.database.transaction() as session:
            claimed = await claim_due_deliveries(
                session, now=now, limit=room, lease_seconds=self.lease_seconds
            )
        self._backlog = len(claimed) == room
        for delivery in claimed:
            self._spawn(delivery)

    def _spawn(self, delivery: ClaimedDelivery) -> None:
        task = asyncio.create_task(self._deliver(delivery))
        self._in_flight.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        room = self.settings.dispatcher_concurrency - len(self._in_flight)
        if self._backlog and room >= REFILL_ROOM and self._refill is None and not self._stopping:
            self._backlog = False
            self._refill = asyncio.create_task(self._refill_now())

    async def _refill_now(self) -> None:
        try:
            async with self._lock:
                await self._claim()  # recording waits for the tick: it batches better
        except Exception:
            log.exception("webhook dispatcher refill failed; the next tick retries")
        finally:
            self._refill = None

    async def _deliver(self, delivery: ClaimedDelivery) -> None:
        headers = signed_headers(
            event_id=delivery.event_id, body=delivery.body, secrets=delivery.secrets, at=utcnow()
        )
        result = await post(
            self.client,
            url=delivery.url,
            body=delivery.body,
            headers=headers,
            seconds=self.settings.webhook_timeout_seconds,
        )
        decision = decide(
            result,
            attempt_number=delivery.attempt_number,
            policy=self.policy,
            now=utcnow(),
            rng=self._rng,
        )
        self._completed.append(_attempt_row(delivery, result, decision))
        self.sent += 1

    async def flush(self) -> None:
        while self._completed:
            batch = self._completed[:RECORD_BATCH]
            del self._completed[:RECORD_BATCH]
            try:
                async with self.database.transaction() as session:
                    await record_attempts(
                        session,
                        batch,
                        disable_after_seconds=self.settings.webhook_disable_after_seconds,
                    )
            except BaseException as exc:
                # The deliveries stay leased; keep the results and try on the next tick.
                self._completed[:0] = batch
                if not isinstance(exc, Exception):
                    raise
                self._record_failures.failed(exc)
                return
            self._record_failures.succeeded()


def _attempt_row(
    delivery: ClaimedDelivery, result: AttemptResult, decision: Decision
) -> AttemptRow:
    return AttemptRow(
        claimed=delivery,
        attempted_at=result.started_at,
        latency_ms=result.latency_ms,
        status_code=result.status_code,
        error_class=result.error_class,
        error=result.error,
        response_excerpt=result.response_excerpt,
        outcome=str(decision.outcome),
        next_attempt_at=decision.next_attempt_at,
    )
