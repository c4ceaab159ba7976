"""Fixtures for the webhook tests: settings with loopback allowed and a shortened schedule, a
loopback receiver, and helpers that make transitions through the real store functions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlmodel import col, select

from app.core.domain import CheckRecord, FailureKind, ProbeResult, Reason, Verdict
from app.notify.dispatcher import Dispatcher
from app.notify.ssrf import make_webhook_client, parse_networks
from app.settings import Settings
from app.store.db import Database
from app.store.models import Service
from app.store.subscriptions import create_subscription
from app.store.webhooks import Delivery, Subscription
from app.usecases.record_checks import Signals, record_checks
from tests.conftest import make_settings
from tests.notify.receiver import Receiver

T = TypeVar("T")
T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
LOOPBACK = "127.0.0.0/8"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Overrides the root fixture: no background dispatcher (tests drive it), loopback allowed."""
    return make_settings(
        database_url,
        run_dispatcher=False,
        webhook_allowed_networks=LOOPBACK,
        webhook_retry_schedule="0.2,0.2,0.2",
        webhook_retry_jitter=0,
        webhook_timeout_seconds=2,
        dispatcher_tick_seconds=0.05,
    )


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as r:
        yield r


@pytest.fixture
async def dispatcher(database: Database, settings: Settings) -> AsyncIterator[Dispatcher]:
    client = make_webhook_client(parse_networks(settings.webhook_allowed_networks))
    worker = Dispatcher(database, settings, client)
    try:
        yield worker
    finally:
        await worker.stop()
        await client.aclose()


async def add_service(database: Database, region: str = "73.73", **spec: Any) -> int:
    async with database.transaction() as session:
        values = {"failure_threshold": 1, "success_threshold": 1} | spec
        service = Service(
            region_code=region, name=f"SIAK {region}", url="http://127.0.0.1:9/", next_check_at=T0
        )
        for name, value in values.items():
            setattr(service, name, value)
        session.add(service)
        await session.flush()
        assert service.id is not None
        return service.id


async def observe(
    database: Database, service_id: int, reason: Reason, at: datetime = T0, region: str = "73.73"
) -> None:
    """One probe result through the real recording path (state machine, transitions, outbox)."""
    failed = reason != Reason.OK
    result = ProbeResult(
        started_at=at,
        latency_ms=10.0,
        status_code=None if failed else 200,
        failure=FailureKind.DEADLINE if failed else None,
    )
    record = CheckRecord(service_id, region, result, Verdict(reason, {"rule": "t"}), at)
    async with database.transaction() as session:
        await record_checks(session, [record], signals=Signals())


async def subscribe(database: Database, url: str, **filters: Any) -> Subscription:
    async with database.transaction() as session:
        return await create_subscription(session, url=url, **filters)


async def deliveries(database: Database, subscription_id: int | None = None) -> list[Delivery]:
    async with database.read() as session:
        query = select(Delivery).order_by(col(Delivery.id))
        if subscription_id is not None:
            query = query.where(col(Delivery.subscription_id) == subscription_id)
        return list((await session.exec(query)).all())


async def drive(
    dispatcher: Dispatcher, until: Callable[[], Awaitable[T]], *, within: float = 10.0
) -> T:
    """Tick the dispatcher until `until()` is truthy (and the dispatcher has recorded all it
    sent); fails with the last value seen."""
    deadline = time.monotonic() + within
    while True:
        await dispatcher.tick()
        value = await until()
        if value and dispatcher.idle:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {within}s; last value: {value!r}")
        await asyncio.sleep(0.02)


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)
