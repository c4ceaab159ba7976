"""The webhook dispatcher: a leased worker (`app/workers/leased.py`) whose ticks claim due
deliveries, send each outside any transaction — a signed POST for a webhook, a chat or push
message through Apprise for an `apprise` subscription (app/notify/apprise_channel.py) — and
record the attempts in batches.

All state is in the database; this object holds only work in flight. A crash loses nothing:
an unsent or unrecorded delivery keeps its lease until it expires and is then sent again with
the same `webhook-id` (at least once; receivers deduplicate on it).
"""

from __future__ import annotations

import asyncio
import logging
import random

import httpx

from app.core.chat_text import chat_message
from app.core.delivery_policy import AttemptResult, Decision, RetryPolicy, decide
from app.core.signing import signed_headers
from app.metrics import Metrics
from app.notify.apprise_channel import AppriseSender
from app.notify.send import post
from app.notify.ssrf import parse_networks
from app.settings import Settings
from app.store.attempts import AttemptRow, record_attempts
from app.store.db import Database
from app.store.deliveries import ClaimedDelivery, claim_due_deliveries, has_due_deliveries
from app.store.webhooks import Channel
from app.workers.clock import Clock
from app.workers.leased import STOP_GRACE_SECONDS, LeasedWorker, WorkerNames

log = logging.getLogger(__name__)

RECORD_BATCH = 200
REFILL_ROOM = 8  # free slots worth a claim between ticks
NAMES = WorkerNames(
    "dispatcher", "claiming due deliveries", "recording webhook attempts", "webhook attempts"
)


def lease_seconds_for(settings: Settings) -> float:
    """A lease must outlive one send and the wait for the next tick's recording; a shorter
    setting would make every slow delivery a duplicate."""
    floor = settings.webhook_timeout_seconds + 2 * settings.dispatcher_tick_seconds + 1
    return max(settings.webhook_lease_seconds, floor)


class Dispatcher(LeasedWorker[ClaimedDelivery, AttemptRow]):
    """Sends cut off at shutdown keep their lease and are resent after it expires."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        client: httpx.AsyncClient,
        *,
        metrics: Metrics | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(
            NAMES,
            log,
            tick_seconds=settings.dispatcher_tick_seconds,
            batch_size=RECORD_BATCH,
            clock=clock,
        )
        self.database = database
        self.settings = settings
        self.client = client
        self.metrics = metrics or Metrics()
        self.policy = RetryPolicy(
            tuple(settings.webhook_retry_schedule), settings.webhook_retry_jitter
        )
        self.lease_seconds = lease_seconds_for(settings)
        self.apprise = AppriseSender(parse_networks(settings.webhook_allowed_networks))
        self.sent = 0
        self._rng = rng or random.Random()
        # Set when a claim filled every free slot: more is probably due, so do not wait for
        # the next tick once a few slots are free again (a fan-out drains at send speed).
        self._backlog = False
        self._refill: asyncio.Task[None] | None = None

    @property
    def capacity(self) -> int:
        return self.settings.dispatcher_concurrency

    async def claim(self, room: int) -> list[ClaimedDelivery]:
        if room <= 0:
            return []
        now = self.clock.now()
        async with self.database.read() as session:
            if not await has_due_deliveries(session, now=now):
                return []
        async with self.database.transaction() as session:
            claimed = await claim_due_deliveries(
                session, now=now, limit=room, lease_seconds=self.lease_seconds
            )
        self._backlog = len(claimed) == room
        return claimed

    def slot_freed(self) -> None:
        room = self.capacity - self.working
        if self._backlog and room >= REFILL_ROOM and self._refill is None and not self._stopping:
            self._backlog = False
            self._refill = asyncio.create_task(self._refill_now())

    async def _refill_now(self) -> None:
        try:
            async with self._busy:
                await self.claim_now()  # recording waits for the tick: it batches better
        except Exception:
            log.exception("webhook dispatcher refill failed; the next tick retries")
        finally:
            self._refill = None

    async def work(self, delivery: ClaimedDelivery) -> AttemptRow:
        if delivery.channel == Channel.APPRISE:
            result = await self.apprise.send(
                delivery.url,
                chat_message(delivery.body),
                seconds=self.settings.webhook_timeout_seconds,
            )
        else:
            result = await self._post(delivery)
        decision = decide(
            result,
            attempt_number=delivery.attempt_number,
            policy=self.policy,
            now=self.clock.now(),
            rng=self._rng,
        )
        self.sent += 1
        self.metrics.webhook_sends.labels(str(decision.outcome)).inc()
        return _attempt_row(delivery, result, decision)

    async def _post(self, delivery: ClaimedDelivery) -> AttemptResult:
        headers = signed_headers(
            event_id=delivery.event_id,
            body=delivery.body,
            secrets=delivery.secrets,
            at=self.clock.now(),
        )
        return await post(
            self.client,
            url=delivery.url,
            body=delivery.body,
            headers=headers,
            seconds=self.settings.webhook_timeout_seconds,
        )

    async def record(self, batch: list[AttemptRow]) -> None:
        async with self.database.transaction() as session:
            await record_attempts(
                session, batch, disable_after_seconds=self.settings.webhook_disable_after_seconds
            )

    async def stop(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        await super().stop(grace_seconds)
        if self._refill is not None:
            self._refill.cancel()
            await asyncio.gather(self._refill, return_exceptions=True)


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
