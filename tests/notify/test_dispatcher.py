"""The dispatcher against real databases and a real loopback receiver: signed deliveries,
the retry schedule, 410, redirects, Retry-After, exhaustion, leases, rotation, auto-disable."""

from __future__ import annotations

import itertools
import json

from sqlmodel import col, select

from app.core.domain import Reason
from app.notify.dispatcher import Dispatcher
from app.notify.ssrf import make_webhook_client, parse_networks
from app.store.db import Database
from app.store.deliveries import claim_due_deliveries
from app.store.subscriptions import rotate_secret
from app.store.types import utcnow
from app.store.webhooks import DeliveryAttempt, DeliveryStatus, Subscription
from tests.conftest import make_settings
from tests.factories import SERVICE_EVENTS, add_service, deliveries, later, probe, subscribe
from tests.support.receiver import Receiver, Reply, free_port
from tests.support.waiting import drive


async def attempts(database: Database) -> list[DeliveryAttempt]:
    async with database.read() as session:
        query = select(DeliveryAttempt).order_by(col(DeliveryAttempt.id))
        return list((await session.exec(query)).all())


async def subscription_row(database: Database, subscription_id: int | None) -> Subscription:
    async with database.read() as session:
        row = await session.get(Subscription, subscription_id)
    assert row is not None
    return row


async def settled(database: Database) -> list[str] | None:
    statuses = [str(d.status) for d in await deliveries(database)]
    return statuses if statuses and "pending" not in statuses else None


async def test_every_delivery_verifies_with_its_own_secret(
    database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    province = await subscribe(
        database, receiver.url("/a"), region_prefixes=["73"], event_types=SERVICE_EVENTS
    )
    everyone = await subscribe(database, receiver.url("/b"), event_types=SERVICE_EVENTS)
    sid = await add_service(database)
    await probe(database, sid, Reason.OK)
    await probe(database, sid, Reason.POLICY_SUSPECTED, later(5))

    assert await drive(dispatcher, lambda: settled(database)) == ["succeeded"] * 4
    for path, subscription in (("/a", province), ("/b", everyone)):
        got = receiver.at(path)
        assert [r.verify(subscription.secret)["type"] for r in got] == [
            "service.operational",
            "service.outage",
        ]
        assert got[1].verify(subscription.secret)["data"]["transition"]["category"] == "policy"
    ids = {d.event_id for d in await deliveries(database)}
    assert {r.webhook_id for r in receiver.received} == ids
    assert all(a.status_code == 200 and a.outcome == "succeeded" for a in await attempts(database))


async def test_receiver_down_then_up_retries_on_schedule_to_success(
    database: Database, dispatcher: Dispatcher
) -> None:
    port = free_port()
    receiver = Receiver(port)
    subscription = await subscribe(database, receiver.url(), event_types=SERVICE_EVENTS)
    await probe(database, await add_service(database), Reason.OK)

    await drive(dispatcher, lambda: _attempted(database, 2))  # refused twice
    await receiver.start()
    try:
        assert await drive(dispatcher, lambda: settled(database)) == ["succeeded"]
    finally:
        await receiver.stop()
    tried = await attempts(database)
    assert [a.error_class for a in tried[:2]] == ["refused", "refused"]
    assert (tried[-1].status_code, tried[-1].outcome) == (200, "succeeded")
    gaps = [(b.attempted_at - a.attempted_at).total_seconds() for a, b in itertools.pairwise(tried)]
    assert all(gap >= 0.2 for gap in gaps), gaps  # the shortened schedule, jitter off
    receiver.received[0].verify(subscription.secret)


async def _attempted(database: Database, count: int) -> bool:
    return len(await attempts(database)) >= count


async def test_exhausted_schedule_fails_the_delivery(
    database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    receiver.responder = lambda _request: Reply(500, body=b"x" * 5000)
    await subscribe(database, receiver.url(), event_types=SERVICE_EVENTS)
    await probe(database, await add_service(database), Reason.OK)

    assert await drive(dispatcher, lambda: settled(database)) == ["failed"]
    tried = await attempts(database)
    assert [a.outcome for a in tried] == ["retry", "retry", "retry", "failed"]  # 1 + 3 retries
    assert [a.number for a in tried] == [1, 2, 3, 4]
    assert all(len(a.response_excerpt or "") == 2048 for a in tried)
    assert len({r.webhook_id for r in receiver.received}) == 1


async def test_410_disables_the_subscription(
    database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    receiver.script["/hook"] = [Reply(410)]
    subscription = await subscribe(database, receiver.url(), event_types=SERVICE_EVENTS)
    sid = await add_service(database)
    await probe(database, sid, Reason.OK)
    assert await drive(dispatcher, lambda: settled(database)) == ["failed"]
    row = await subscription_row(database, subscription.id)
    assert not row.is_active
    assert row.disabled_reason is not None and "410" in row.disabled_reason

    await probe(database, sid, Reason.NETWORK_TIMEOUT, later(5))
    assert len(await deliveries(database)) == 1  # a disabled subscription gets no new rows
    assert len(receiver.received) == 1


async def test_redirect_is_an_answer_and_never_followed(
    database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    elsewhere = {"Location": receiver.url("/elsewhere")}
    receiver.script["/hook"] = [Reply(302, elsewhere), Reply(307, elsewhere)]
    await subscribe(database, receiver.url(), event_types=SERVICE_EVENTS)
    await probe(database, await add_service(database), Reason.OK)
    assert await drive(dispatcher, lambda: settled(database)) == ["succeeded"]
    assert [a.status_code for a in await attempts(database)] == [302, 307, 200]
    assert receiver.at("/elsewhere") == []


async def test_retry_after_is_honoured(
    database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    receiver.script["/hook"] = [Reply(429, {"Retry-After": "1"})]
    await subscribe(database, receiver.url(), event_types=SERVICE_EVENTS)
    await probe(database, await add_service(database), Reason.OK)
    assert await drive(dispatcher, lambda: settled(database)) == ["succeeded"]
    first, second = receiver.received
    assert second.at - first.at >= 1.0  # not the 0.2 s of the schedule


async def test_expired_lease_resends_with_the_same_webhook_id(
    database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    subscription = await subscribe(database, receiver.url(), event_types=SERVICE_EVENTS)
    await probe(database, await add_service(database), Reason.OK)
    # A worker claims the delivery and dies before sending: its lease is all that is left.
    async with database.transaction() as session:
        (lost,) = await claim_due_deliveries(session, now=utcnow(), limit=10, lease_seconds=0.5)
    await dispatcher.tick()
    assert receiver.received == []  # leased to the dead worker

    assert await drive(dispatcher, lambda: settled(database)) == ["succeeded"]
    (request,) = receiver.received
    assert request.webhook_id == lost.event_id
    assert request.verify(subscription.secret)["type"] == "service.operational"
    assert [a.number for a in await attempts(database)] == [2]  # the lost claim counted


async def test_rotation_signs_with_both_secrets_during_the_grace(
    database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    subscription = await subscribe(database, receiver.url(), event_types=SERVICE_EVENTS)
    old = subscription.secret
    async with database.transaction() as session:
        row = await session.merge(subscription)
        new = await rotate_secret(session, row, grace_seconds=3600)
    await probe(database, await add_service(database), Reason.OK)
    await drive(dispatcher, lambda: settled(database))
    (request,) = receiver.received
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert request.verify(old) == request.verify(new)


async def test_only_failures_for_too_long_disables(database: Database, receiver: Receiver) -> None:
    receiver.responder = lambda _request: Reply(503)
    base = make_settings(
        database.settings.database_url,
        webhook_allowed_networks="127.0.0.0/8",
        webhook_retry_schedule="0.2,0.2,0.2,0.2,0.2",
        webhook_retry_jitter=0,
        webhook_disable_after_seconds=0.5,
    )
    client = make_webhook_client(parse_networks(base.webhook_allowed_networks))
    worker = Dispatcher(database, base, client)
    try:
        subscription = await subscribe(database, receiver.url(), event_types=SERVICE_EVENTS)
        await probe(database, await add_service(database), Reason.OK)
        row = await drive(worker, lambda: _disabled(database, subscription.id))
    finally:
        await worker.stop()
        await client.aclose()
    assert row is not None and row.failing_since is not None
    assert row.disabled_reason is not None and "failed since" in row.disabled_reason
    (delivery,) = await deliveries(database)
    assert delivery.status == DeliveryStatus.PENDING  # parked until re-enabled, not lost
    assert 2 <= len(await attempts(database)) <= 5


async def _disabled(database: Database, subscription_id: int | None) -> Subscription | None:
    row = await subscription_row(database, subscription_id)
    return None if row.is_active else row


async def test_payload_is_identical_on_every_attempt(
    database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    receiver.script["/hook"] = [Reply(500), Reply(502)]
    await subscribe(database, receiver.url(), event_types=SERVICE_EVENTS)
    await probe(database, await add_service(database), Reason.OK)
    await drive(dispatcher, lambda: settled(database))
    bodies = {r.body for r in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1
    assert json.loads(bodies.pop())["type"] == "service.operational"
