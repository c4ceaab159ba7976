"""Wave events through the outbox and the subscription routes: a subscription that coalesces
gets wave.started instead of its members' service.outage; one that does not gets both;
`coalesce_waves` is true for new subscriptions and can be changed."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlmodel import select

from app.core.domain import Reason
from app.store.db import Database
from app.store.webhooks import WebhookEvent
from tests.factories import add_service, deliveries, probe, subscribe
from tests.support.waves import NATIONAL, T0, reconcile

HOOK = "http://127.0.0.1:9/hook"


async def delivered(database: Database, subscription_id: int | None) -> list[tuple[str, Any]]:
    async with database.read() as session:
        rows = (await session.exec(select(WebhookEvent))).all()
    by_id = {e.id: e for e in rows}
    found = [by_id[d.event_id] for d in await deliveries(database, subscription_id)]
    return [(e.type, json.loads(e.body)["data"]) for e in found]


async def test_coalescing_subscribers_get_the_wave_instead_of_its_members(
    database: Database,
) -> None:
    coalescing = await subscribe(database, HOOK, coalesce_waves=True)
    everything = await subscribe(database, HOOK, coalesce_waves=False)
    for code in NATIONAL:
        service_id = await add_service(database, code)
        await probe(database, service_id, Reason.OK, T0, region=code)
        await probe(database, service_id, Reason.UPSTREAM_CENTRAL, 1, region=code)
    local = await add_service(database, "81.71")
    await probe(database, local, Reason.OK, T0, region="81.71")
    await probe(database, local, Reason.NETWORK_TIMEOUT, 1, region="81.71")
    await reconcile(database, NATIONAL, T0)

    types = [t for t, _ in await delivered(database, coalescing.id)]
    assert types.count("service.outage") == 1  # the local failure still comes through
    assert "wave.started" in types
    assert types.count("service.operational") == len(NATIONAL) + 1
    all_types = [t for t, _ in await delivered(database, everything.id)]
    assert all_types.count("service.outage") == len(NATIONAL) + 1
    assert all_types.count("wave.started") == 1


async def test_a_region_filter_gets_the_waves_that_touch_its_regions(database: Database) -> None:
    sulsel = await subscribe(database, HOOK, region_prefixes=["73"])
    maluku = await subscribe(database, HOOK, region_prefixes=["81"])
    await reconcile(database, NATIONAL, T0)  # 73.72 and 73.73 are members
    assert [t for t, _ in await delivered(database, sulsel.id)] == ["wave.started"]
    assert await delivered(database, maluku.id) == []


async def test_coalesce_waves_over_the_api(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    base = "/api/v1/subscriptions"
    created = await client.post(base, json={"url": HOOK}, headers=admin_headers)
    assert created.status_code == 201, created.text
    assert created.json()["coalesce_waves"] is True
    url = f"{base}/{created.json()['id']}"
    changed = await client.patch(url, json={"coalesce_waves": False}, headers=admin_headers)
    assert changed.status_code == 200 and changed.json()["coalesce_waves"] is False
    assert (await client.get(url, headers=admin_headers)).json()["coalesce_waves"] is False
    refused = await client.patch(url, json={"coalesce_waves": None}, headers=admin_headers)
    assert refused.status_code == 422
    wave_types = ["wave.started", "wave.updated", "wave.ended"]
    filtered = await client.post(
        base, json={"url": HOOK, "event_types": wave_types}, headers=admin_headers
    )
    assert filtered.status_code == 201 and filtered.json()["event_types"] == wave_types
