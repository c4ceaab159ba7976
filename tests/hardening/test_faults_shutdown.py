"""Graceful shutdown of the real service: on SIGTERM, probes and webhook deliveries in flight
finish and are recorded within PANTAU_SHUTDOWN_GRACE_SECONDS, and the process exits within
that bound even while an endpoint hangs."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from app.core.domain import State
from app.simulator import Behaviour, Mode, Simulator
from app.store.db import Database
from app.store.models import Service
from app.store.probes import ProbeSample
from app.store.types import utcnow
from app.store.webhooks import Delivery, DeliveryStatus
from tests.factories import SERVICE_EVENTS, create_service
from tests.support.harness import PantauProcess, service_row, transitions_of
from tests.support.receiver import Receiver
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
GRACE_S = 4.0
EXIT_SLACK_S = 2.0  # uvicorn's own teardown and disposing of the engines
SLOW_MS = 2000


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as r:
        yield r


@pytest.fixture
async def pantau(database_url: str, tmp_path: Path) -> AsyncIterator[PantauProcess]:
    process = PantauProcess(
        database_url,
        tmp_path / "pantau.log",
        shutdown_grace_seconds=str(GRACE_S),
        webhook_allowed_networks="127.0.0.0/8",
        dispatcher_tick_seconds="0.2",
    )
    yield process
    await process.stop(signal.SIGKILL)


async def _held(receiver: Receiver) -> int:
    return receiver.held


async def add_due_service(
    database: Database, code: str, url: str, *, timeout_seconds: float
) -> int:
    async with database.transaction() as session:
        service = Service(
            region_code=code,
            name=f"SIAK {code}",
            url=url,
            interval_seconds=60,
            timeout_seconds=timeout_seconds,
            success_threshold=1,
            degraded_latency_ms=9000,
            next_check_at=utcnow(),
        )
        session.add(service)
        await session.flush()
        assert service.id is not None
        return service.id


async def samples_of(database: Database, service_id: int) -> list[ProbeSample]:
    async with database.read() as session:
        query = select(ProbeSample).where(col(ProbeSample.service_id) == service_id)
        return list((await session.exec(query)).all())


async def all_deliveries(database: Database) -> list[Delivery]:
    async with database.read() as session:
        return list((await session.exec(select(Delivery).order_by(col(Delivery.id)))).all())


async def test_sigterm_records_work_in_flight_and_exits_within_the_grace(
    simulator: Simulator, receiver: Receiver, pantau: PantauProcess, database: Database
) -> None:
    simulator.set("73.72", Behaviour(Mode.SLOW, delay_ms=SLOW_MS))
    simulator.set("73.73", Behaviour(Mode.HANG))
    await pantau.start()
    receiver.hold()  # the first delivery stays in flight until we let it go
    async with pantau.client() as client:
        spec = {"url": receiver.url(), "event_types": SERVICE_EVENTS}  # the service's alone
        created = await client.post("/api/v1/subscriptions", json=spec)
        assert created.status_code == 201, created.text
        await create_service(client, "73.71", simulator.url_for("73.71"), success_threshold=1)
    await wait_for(lambda: _held(receiver), within=10, interval=0.02)
    # Only now the probes that will be in flight at SIGTERM (due at once, not at the API's
    # random first slot): the slow one's own event must not reach the receiver before it.
    slow = await add_due_service(database, "73.72", simulator.url_for("73.72"), timeout_seconds=10)
    hung = await add_due_service(database, "73.73", simulator.url_for("73.73"), timeout_seconds=50)

    async def both_probed() -> bool:
        return bool(simulator.hits("73.72") and simulator.hits("73.73"))

    await wait_for(both_probed, within=10, interval=0.02)
    assert pantau.process is not None
    sent_at, signalled_at = time.monotonic(), datetime.now(UTC)
    pantau.process.send_signal(signal.SIGTERM)
    await asyncio.sleep(1.0)
    receiver.release()  # the receiver answers while the service is shutting down
    await asyncio.wait_for(pantau.process.wait(), GRACE_S + 10)
    took = time.monotonic() - sent_at

    # uvicorn re-raises SIGTERM once its shutdown is complete
    assert pantau.process.returncode in (0, -signal.SIGTERM), pantau.log_path.read_text()
    # The hung probe held the process to the grace, and not a moment longer.
    assert GRACE_S - 1.0 <= took < GRACE_S + EXIT_SLACK_S, took
    # The slow probe in flight at SIGTERM was finished and recorded, transition and all.
    (sample,) = await samples_of(database, slow)
    assert sample.latency_ms >= SLOW_MS and sample.status_code == 200
    finished_at = sample.at + timedelta(milliseconds=sample.latency_ms)
    assert sample.at < signalled_at < finished_at  # it was in flight at SIGTERM
    assert [t.to_state for t in await transitions_of(database, slow)] == [State.OPERATIONAL]
    # The delivery in flight was answered and its attempt recorded before exit.
    first = (await all_deliveries(database))[0]
    assert first.status == DeliveryStatus.SUCCEEDED, first
    assert receiver.received[0].webhook_id == first.event_id
    # The hung probe was cut off: nothing recorded, and its lease given back for a restart.
    hung_row = await service_row(database, hung)
    assert hung_row.last_checked_at is None and hung_row.lease_expires_at is None
    assert await samples_of(database, hung) == []
