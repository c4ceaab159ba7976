"""region.* events through the real recording path, on SQLite and PostgreSQL: once per change
of the region, not per service, whether its services move in one batch or one at a time;
subscription filters (types, region prefixes, categories) apply to them."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from app.api.schemas.webhook_events import RegionEvent
from app.core.domain import Reason
from app.store.db import Database
from app.store.webhooks import WebhookEvent
from tests.factories import T0, add_service, check_record, deliveries, later, probe, record
from tests.factories import subscribe as add_subscription

OK, TIMEOUT, SLOW = Reason.OK, Reason.NETWORK_TIMEOUT, Reason.PERFORMANCE_SLOW
HOOK = "http://127.0.0.1:9/hook"
MAKASSAR = "73.71"


async def region_events(database: Database, code: str) -> list[dict[str, Any]]:
    async with database.read() as session:
        query = select(WebhookEvent.body).where(
            col(WebhookEvent.type).startswith("region."), WebhookEvent.region_code == code
        )
        rows = (await session.exec(query.order_by(col(WebhookEvent.created_at)))).all()
    return [RegionEvent.model_validate_json(body).model_dump(mode="json") for body in rows]


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str, str | None, int, int]]:
    return [
        (
            e["type"],
            e["data"]["previous_state"],
            e["data"]["reason"],
            e["data"]["services"]["affected"],
            e["data"]["services"]["total"],
        )
        for e in events
    ]


async def batch(database: Database, services: list[int], reason: Reason, at: float) -> None:
    await record(database, [check_record(s, reason, later(at), MAKASSAR) for s in services])


async def test_three_services_failing_together_are_one_region_outage(database: Database) -> None:
    services = [await add_service(database, MAKASSAR) for _ in range(3)]
    await batch(database, services, OK, 0)
    await batch(database, services, TIMEOUT, 60)
    await batch(database, services[:1], OK, 120)  # one back: the region is still down
    await batch(database, services[1:], OK, 180)
    events = await region_events(database, MAKASSAR)
    assert summary(events) == [
        ("region.operational", "unknown", "ok", 0, 3),
        ("region.outage", "operational", "network.timeout", 3, 3),
        ("region.operational", "outage", "ok", 0, 3),
    ]
    outage, back = events[1]["data"], events[2]["data"]
    assert outage["incident_id"] == back["incident_id"] is not None
    assert outage["since"] == "2026-11-29T08:01:00Z" and back["at"] == "2026-11-29T08:03:00Z"
    assert outage["region"]["name"] == "Kota Makassar"
    assert outage["state_label"] == {"id": "Terputus", "en": "Outage"}
    assert outage["cause"]["service_id"] == services[0]
    assert outage["cause"]["evidence"] == {"rule": "t"}


async def test_services_failing_one_by_one_are_one_region_outage_then_its_causes(
    database: Database,
) -> None:
    first, second = await add_service(database, MAKASSAR), await add_service(database, MAKASSAR)
    await batch(database, [first, second], OK, 0)
    await probe(database, first, SLOW, later(30), region=MAKASSAR)
    await probe(database, first, TIMEOUT, later(60), region=MAKASSAR)
    await probe(database, second, Reason.UPSTREAM_ERROR, later(90), region=MAKASSAR)
    await probe(database, first, OK, later(120), region=MAKASSAR)  # the region's cause moves
    assert summary(await region_events(database, MAKASSAR)) == [
        ("region.operational", "unknown", "ok", 0, 2),
        ("region.degraded", "operational", "performance.slow", 1, 2),
        ("region.outage", "degraded", "network.timeout", 1, 2),
        ("region.reason_changed", "outage", "upstream.error", 1, 2),
    ]


async def test_filters_apply_to_region_events(database: Database) -> None:
    makassar = await add_subscription(database, HOOK, region_prefixes=["73.71"])
    papua = await add_subscription(database, HOOK, region_prefixes=["91"])
    network = await add_subscription(database, HOOK, categories=["network"])
    regions_only = await add_subscription(
        database, HOOK, event_types=["region.outage", "region.operational"]
    )
    sid = await add_service(database, MAKASSAR)
    await probe(database, sid, OK, T0, region=MAKASSAR)
    await probe(database, sid, TIMEOUT, later(60), region=MAKASSAR)

    async def got(subscription_id: int | None) -> list[str]:
        async with database.read() as session:
            rows = (await session.exec(select(WebhookEvent))).all()
        by_id = {e.id: e.type for e in rows}
        return [by_id[d.event_id] for d in await deliveries(database, subscription_id)]

    assert await got(makassar.id) == [
        "service.operational",
        "region.operational",
        "service.outage",
        "region.outage",
    ]
    assert await got(papua.id) == []
    assert await got(network.id) == ["service.outage", "region.outage"]
    assert await got(regions_only.id) == ["region.operational", "region.outage"]
