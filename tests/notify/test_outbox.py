"""The outbox against real databases: events and deliveries are written with the transition,
per matching subscription, and vanish with it on rollback."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from app.core.domain import CheckRecord, ProbeResult, Reason, Verdict
from app.store.db import Database
from app.store.models import Transition
from app.store.subscriptions import update_subscription
from app.store.webhooks import WebhookEvent
from app.usecases.outbox import enqueue_event
from app.usecases.record_checks import Signals, record_checks
from tests.factories import add_service, deliveries, later, probe, subscribe

HOOK = "http://127.0.0.1:9/hook"


async def events(database: Database) -> list[WebhookEvent]:
    async with database.read() as session:
        query = select(WebhookEvent).order_by(WebhookEvent.created_at)  # type: ignore[arg-type]
        return list((await session.exec(query)).all())


async def delivered_types(database: Database, subscription_id: int | None) -> list[str]:
    by_id = {e.id: e.type for e in await events(database)}
    return [by_id[d.event_id] for d in await deliveries(database, subscription_id)]


async def test_transition_event_carries_region_service_and_sequence(database: Database) -> None:
    everyone = await subscribe(database, HOOK)
    sid = await add_service(database, "73.73")
    await probe(database, sid, Reason.OK)
    await probe(database, sid, Reason.NETWORK_TIMEOUT, later(10))

    outage = [e for e in await events(database) if e.type.startswith("service.")][-1]
    body = json.loads(outage.body)
    data = body["data"]
    assert (outage.type, body["type"]) == ("service.outage", "service.outage")
    assert (outage.region_code, outage.category) == ("73.73", "network")
    assert body["timestamp"] == "2026-11-29T08:00:10Z"
    assert data["transition"]["from_state"] == "operational"
    assert data["transition"]["reason"] == "network.timeout"
    assert data["transition"]["reason_label"]["en"] == "Timed out"
    assert data["previous_state"] == "operational"
    assert data["sequence"] == 2  # the second transition of this service
    assert data["service"] == {
        "id": sid,
        "name": "SIAK 73.73",
        "url": "http://127.0.0.1:9/r/73.73",
        "sequence": 2,
    }
    assert data["region"]["name"] == "Kota Palopo"
    assert data["region"]["province"] == {"code": "73", "name": data["region"]["province"]["name"]}
    assert "Sulawesi Selatan" in data["region"]["province"]["name"].title()
    assert "incident_id" in data
    assert outage.transition_id == data["transition"]["id"]
    assert await delivered_types(database, everyone.id) == [
        "service.operational",
        "region.operational",
        "service.outage",
        "region.outage",
    ]


BOTH = ["service.outage", "region.outage"]


@pytest.mark.parametrize(
    ("filters", "wanted"),
    [
        ({"region_prefixes": ["73"]}, BOTH),
        ({"region_prefixes": ["73.73"]}, BOTH),
        ({"region_prefixes": ["73.71", "74"]}, []),
        ({"categories": ["network"]}, BOTH),
        ({"categories": ["upstream", "policy"]}, []),
        ({"event_types": ["service.outage"]}, ["service.outage"]),
        ({"event_types": ["region.outage", "cutoff.suspected"]}, ["region.outage"]),
        ({"event_types": ["service.operational"]}, []),
        ({"region_prefixes": ["73"], "categories": ["policy"]}, []),
    ],
)
async def test_filters_pick_the_outage(
    database: Database, filters: dict[str, list[str]], wanted: list[str]
) -> None:
    subscription = await subscribe(database, HOOK, **filters)
    sid = await add_service(database, "73.73")
    await probe(database, sid, Reason.NETWORK_TIMEOUT)  # unknown → outage
    assert await delivered_types(database, subscription.id) == wanted


async def test_reason_change_within_outage_is_its_own_type(database: Database) -> None:
    await subscribe(database, HOOK, event_types=["service.reason_changed"])
    sid = await add_service(database)
    await probe(database, sid, Reason.NETWORK_TIMEOUT)
    await probe(database, sid, Reason.POLICY_CUTOFF, later(10))
    assert await delivered_types(database, None) == ["service.reason_changed"]


async def test_inactive_subscriptions_get_nothing(database: Database) -> None:
    subscription = await subscribe(database, HOOK)
    async with database.transaction() as session:
        row = await session.merge(subscription)
        await update_subscription(session, row, {"is_active": False})
    await probe(database, await add_service(database), Reason.OK)
    assert [e.type for e in await events(database)] == ["service.operational", "region.operational"]
    assert await deliveries(database) == []


async def test_rollback_takes_the_event_with_the_transition(database: Database) -> None:
    await subscribe(database, HOOK)
    sid = await add_service(database)
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            result = ProbeResult(started_at=later(0), latency_ms=1, status_code=200)
            record = CheckRecord(sid, "73.73", result, Verdict(Reason.OK), later(0))
            transitions = await record_checks(session, [record], signals=Signals())
            assert len(transitions) == 1
            raise RuntimeError("crash before commit")
    async with database.read() as session:
        count = (await session.exec(select(func.count()).select_from(Transition))).one()
    assert count == 0
    assert await events(database) == []
    assert await deliveries(database) == []


async def test_warning_without_region_reaches_region_filtered_subscribers(
    database: Database,
) -> None:
    regional = await subscribe(database, HOOK, region_prefixes=["73"])
    network_only = await subscribe(database, HOOK, categories=["network"])
    async with database.transaction() as session:
        event = await enqueue_event(
            session,
            event_type="policy.warning",
            data={"letter": "800/123/Dukcapil", "deadline": "2026-12-05"},
            region_code=None,
            category="policy",
        )
    assert json.loads(event.body)["data"]["letter"] == "800/123/Dukcapil"
    assert await delivered_types(database, regional.id) == ["policy.warning"]
    assert await delivered_types(database, network_only.id) == []
