"""SIGKILL at random moments while the real service records a stream of probe results and
delivers their webhooks: after the last restart no transition is duplicated or missing from
any service's history, every transition has its event, and every event arrives.

(tests/notify/test_crash_e2e.py kills at two chosen moments; tests/e2e/test_checker_e2e.py
kills mid-outage. Here endpoints flap all the time, so the kills land amid batched writes,
claims and deliveries.)"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
from collections import Counter
from collections.abc import AsyncIterator, Callable
from itertools import pairwise
from pathlib import Path

import pytest
from sqlmodel import col, select

from app.core.domain import State
from app.core.events import transition_event_type
from app.simulator import HEALTHY, Behaviour, Mode, Simulator
from app.store.db import Database
from app.store.models import Service, Transition
from app.store.webhooks import Delivery, DeliveryStatus, WebhookEvent
from tests.factories import create_service
from tests.support.harness import PantauProcess, region_codes
from tests.support.receiver import Receiver
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow
BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
SERVICES = 40
KILLS = 2
SETTINGS = {
    "wave_national_min_regions": "1000",
    "wave_group_min_regions": "1000",  # every region keeps its own cause
    "checker_lease_seconds": "1",  # a killed process's leases run out soon
    "webhook_allowed_networks": "127.0.0.0/8",
    "webhook_retry_schedule": "0.5,0.5,1",
    "webhook_retry_jitter": "0",
    "webhook_timeout_seconds": "2",
    "webhook_lease_seconds": "1",
    "dispatcher_tick_seconds": "0.2",
}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as r:
        yield r


@pytest.fixture
async def pantau(database_url: str, tmp_path: Path) -> AsyncIterator[Callable[[], PantauProcess]]:
    started: list[PantauProcess] = []

    def build() -> PantauProcess:
        log = tmp_path / f"pantau-{len(started)}.log"
        started.append(PantauProcess(database_url, log, **SETTINGS))
        return started[-1]

    yield build
    for process in started:
        await process.stop(signal.SIGKILL)


async def flap(simulator: Simulator, codes: list[str], rng: random.Random) -> None:
    """Every region fails or recovers at random, a few times a second."""
    failing = Behaviour(Mode.ERROR, status=502)
    while True:
        for code in codes:
            simulator.set(code, failing if rng.random() < 0.5 else HEALTHY)
        await asyncio.sleep(0.4)


async def read_all(
    database: Database,
) -> tuple[list[Service], list[Transition], list[WebhookEvent]]:
    async with database.read() as session:
        services = list((await session.exec(select(Service))).all())
        transitions = list(
            (await session.exec(select(Transition).order_by(col(Transition.id)))).all()
        )
        events = list((await session.exec(select(WebhookEvent))).all())
    return services, transitions, events


async def settled(database: Database, receiver: Receiver) -> bool:
    services, _, events = await read_all(database)
    if any(s.state != State.OPERATIONAL for s in services):
        return False
    async with database.read() as session:
        deliveries = list((await session.exec(select(Delivery))).all())
    delivered = all(d.status == DeliveryStatus.SUCCEEDED for d in deliveries)
    return delivered and len(deliveries) == len(events)


@BOTH
async def test_sigkill_amid_writes_and_deliveries_loses_and_repeats_nothing(
    simulator: Simulator,
    receiver: Receiver,
    pantau: Callable[[], PantauProcess],
    database: Database,
) -> None:
    rng = random.Random(9)
    codes = region_codes(SERVICES, skip=300)
    first = pantau()
    await first.start()
    async with first.client() as client:
        created = await client.post("/api/v1/subscriptions", json={"url": receiver.url()})
        assert created.status_code == 201, created.text
        for code in codes:
            await create_service(
                client, code, simulator.url_for(code), failure_threshold=1, success_threshold=1
            )
    flapping = asyncio.create_task(flap(simulator, codes, rng))
    try:
        process = first
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(1.0, 2.0))
            await process.stop(signal.SIGKILL)
            process = pantau()
            await process.start()
        await asyncio.sleep(1.0)
    finally:
        flapping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flapping
    simulator.reset()
    await wait_for(lambda: settled(database, receiver), within=25, interval=0.25)
    await process.stop()

    services, transitions, events = await read_all(database)
    by_service: dict[int | None, list[Transition]] = {s.id: [] for s in services}
    for transition in transitions:
        by_service[transition.service_id].append(transition)
    assert sum(len(ts) for ts in by_service.values()) > 2 * SERVICES  # it did flap
    for service in services:
        history = by_service[service.id]
        # One unbroken chain: each transition starts where the previous ended, and none
        # repeats the state and reason already in force (a replayed batch would).
        assert history[0].from_state == State.UNKNOWN
        for before, after in pairwise(history):
            assert after.from_state == before.to_state, (service.id, before, after)
            assert (after.to_state, after.reason) != (before.to_state, before.reason)
        assert (service.state, service.reason) == (history[-1].to_state, history[-1].reason)
        assert service.sequence == len(history)
    # Exactly one event for every transition that announces one, delivered to the receiver.
    announced = [t.id for t in transitions if transition_event_type(t.from_state, t.to_state)]
    service_events = [e for e in events if e.type.startswith("service.")]
    assert Counter(e.transition_id for e in service_events) == Counter(announced)
    arrived = {r.webhook_id for r in receiver.received}
    assert {e.id for e in events} <= arrived
