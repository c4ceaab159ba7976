"""Crash safety end to end: the real service (`pantau serve`) probing the real simulator and
delivering to a loopback receiver, killed with SIGKILL right after a transition commits and
again while a delivery is in flight. After each restart every event arrives, with the same
`webhook-id`, signed with the subscription's secret."""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest
from sqlmodel import col, select

from app.simulator import Behaviour, Mode, Simulator
from app.store.db import Database
from app.store.webhooks import Delivery, DeliveryStatus, WebhookEvent
from tests.factories import SERVICE_EVENTS, create_service
from tests.support.harness import PantauProcess
from tests.support.receiver import Receiver
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow
BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
WEBHOOKS = {
    "webhook_allowed_networks": "127.0.0.0/8",
    "webhook_retry_schedule": "0.5,0.5,1,1,2",
    "webhook_retry_jitter": "0",
    "webhook_timeout_seconds": "2",
    "webhook_lease_seconds": "1",  # raised to the floor: timeout + 2 ticks + 1 s = 3.4 s
    # The killed process also leaves its next probe leased; keep that short too.
    "checker_lease_seconds": "1",
}
FAST = WEBHOOKS | {"dispatcher_tick_seconds": "0.2"}
# A dispatcher that ticks once at start-up and then not for a minute: whatever commits after
# start-up is certainly unsent when the process is killed.
ASLEEP = WEBHOOKS | {"dispatcher_tick_seconds": "60"}


async def events(database: Database) -> list[WebhookEvent]:
    """The service.* events (the subscription's; region.* events are written beside them)."""
    async with database.read() as session:
        query = select(WebhookEvent).where(col(WebhookEvent.type).startswith("service."))
        query = query.order_by(col(WebhookEvent.created_at))
        return list((await session.exec(query)).all())


async def all_delivered(database: Database, count: int) -> bool:
    async with database.read() as session:
        rows = (await session.exec(select(Delivery))).all()
    return len(rows) == count and all(d.status == DeliveryStatus.SUCCEEDED for d in rows)


async def _held(receiver: Receiver) -> int:
    return receiver.held


@BOTH
async def test_sigkill_after_commit_and_in_flight_loses_nothing(
    simulator: Simulator,
    start_pantau: Callable[..., PantauProcess],
    database: Database,
    receiver: Receiver,
) -> None:
    first = start_pantau(**ASLEEP)
    await first.start()
    async with first.client() as client:
        spec = {"url": receiver.url(), "event_types": SERVICE_EVENTS}
        created = await client.post("/api/v1/subscriptions", json=spec)
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        await create_service(
            client, "73.73", simulator.url_for("73.73"), failure_threshold=1, success_threshold=1
        )

    # 1. Killed right after the first transition (unknown → operational) commits.
    await wait_for(lambda: events(database), within=10, interval=0.01)
    await first.stop(signal.SIGKILL)
    assert receiver.received == []
    (operational,) = await events(database)

    second = start_pantau(**FAST)
    await second.start()
    await wait_for(lambda: all_delivered(database, 1), within=10)
    assert [r.webhook_id for r in receiver.received] == [operational.id]

    # 2. Killed while the outage's delivery is in flight (the receiver holds the request).
    receiver.hold()
    simulator.set("73.73", Behaviour(Mode.ERROR, status=502))
    await wait_for(lambda: _held(receiver), within=10, interval=0.02)
    await second.stop(signal.SIGKILL)
    receiver.release()
    outage = (await events(database))[-1]
    assert receiver.received[-1].webhook_id == outage.id

    simulator.reset()
    third = start_pantau(**FAST)
    await third.start()
    # The outage's lease must run out before it is resent; the recovery goes out at once.
    await wait_for(lambda: all_delivered(database, 3), within=15)

    stored = await events(database)
    assert [e.type for e in stored] == [
        "service.operational",
        "service.outage",
        "service.operational",
    ]
    arrived = [r for r in receiver.received if r.verify(secret)]
    assert {r.webhook_id for r in arrived} == {e.id for e in stored}  # none lost
    resent = [r for r in arrived if r.webhook_id == outage.id]
    assert len(resent) == 2 and resent[0].body == resent[1].body  # same id, same bytes
