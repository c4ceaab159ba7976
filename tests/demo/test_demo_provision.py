"""Setting the demo up twice on one database — as two `make run`s do — updates the demo's
services and subscription instead of adding more, and makes no declaration or maintenance
window twice. Through the real API, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select

from app.core.domain import Reason
from app.core.regions.registry import load_regions
from app.demo.api import api_client, expect, list_all
from app.demo.launch import LOOPBACK
from app.demo.provision import (
    KEY_PREFIX,
    open_subscription,
    pause_demo_services,
    pause_subscription,
    plan_services,
    service_key,
    sync_services,
    wanted_services,
)
from app.demo.regions import MAINTAINED, PALOPO, WARNED, pick_regions
from app.demo.runner import StepRunner
from app.demo.scenario import Declare, Maintain, build_timeline
from app.main import create_app
from app.settings import Settings
from app.simulator import Simulator
from app.store.db import Database
from app.store.models import Incident
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.factories import add_service, probe

REGIONS = pick_regions(load_regions())
NAMES = {r.code: r.name for r in load_regions()}


@pytest.fixture
def demo_settings(database_url: str) -> Settings:
    return make_settings(database_url, webhook_allowed_networks=[LOOPBACK], run_dispatcher=False)


@pytest.fixture
async def api(demo_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(demo_settings)
    async with app.router.lifespan_context(app), api_client(app, ADMIN_TOKEN) as client:
        yield client


async def set_up(api: httpx.AsyncClient, port: int) -> str:
    """What one demo start does, for a simulator and a receiver on `port`."""
    receiver_url = f"http://127.0.0.1:{port}/pantau-demo/webhook"
    subscription = await pause_subscription(api, receiver_url)
    await sync_services(
        api, wanted_services(REGIONS, NAMES, lambda code: f"http://127.0.0.1:{port}/r/{code}")
    )
    return await open_subscription(api, subscription, receiver_url)


async def test_a_second_start_updates_services_and_subscription(
    api: httpx.AsyncClient, demo_settings: Settings
) -> None:
    own = {"region_code": "73.71", "name": "Operator's own", "url": "https://example.org/"}
    expect(await api.post("/api/v1/services", json=own), 201)
    first_secret = await set_up(api, 1111)
    stale = {"key": f"{KEY_PREFIX}11.01", "region_code": "11.01", "name": "old", "url": own["url"]}
    expect(await api.post("/api/v1/services", json=stale), 201)

    second_secret = await set_up(api, 2222)

    services = await list_all(api, "/api/v1/services")
    keyed = {s["key"]: s for s in services if s["key"]}
    assert sorted(keyed) == sorted(service_key(code) for code in REGIONS)
    assert all(s["url"].startswith("http://127.0.0.1:2222/r/") for s in keyed.values())
    assert [s["name"] for s in services if not s["key"]] == ["Operator's own"]
    (subscription,) = await list_all(api, "/api/v1/subscriptions")
    assert subscription["url"] == "http://127.0.0.1:2222/pantau-demo/webhook"
    assert subscription["is_active"] is True
    assert second_secret != first_secret and second_secret.startswith("whsec_")

    assert await pause_demo_services(demo_settings) == len(REGIONS)
    paused = await list_all(api, "/api/v1/services")
    assert all(s["is_paused"] for s in paused if s["key"])
    assert not any(s["is_paused"] for s in paused if not s["key"])
    await set_up(api, 3333)
    assert not any(s["is_paused"] for s in await list_all(api, "/api/v1/services"))


async def test_declarations_and_maintenance_are_made_once(api: httpx.AsyncClient) -> None:
    timeline = build_timeline(REGIONS)
    operator_steps = [s for s in timeline.opening if isinstance(s, Declare | Maintain)]
    lines: list[str] = []
    runner = StepRunner(Simulator(), api, NAMES, lines.append)
    for _ in range(2):
        for step in operator_steps:
            await runner.run(step)
    palopo = expect(await api.get(f"/api/v1/regions/{PALOPO}/declarations"))
    assert [(d["kind"], d["reference"]) for d in palopo] == [("cutoff", "400.8/1520/Dukcapil")]
    (warning,) = expect(await api.get(f"/api/v1/regions/{WARNED}/declarations"))
    assert warning["kind"] == "warning" and warning["deadline"] is not None
    windows = expect(await api.get("/api/v1/maintenance", params={"region": MAINTAINED}))["items"]
    assert [w["status"] for w in windows] == ["in_progress"]
    assert sum("already" in line for line in lines) == len(operator_steps)


def test_plan_services_touches_only_what_differs() -> None:
    wanted: dict[str, dict[str, Any]] = {
        "demo.73.73": {"url": "http://new/r/73.73", "is_paused": False}
    }
    existing: list[dict[str, Any]] = [
        {"id": 1, "key": "demo.73.73", "url": "http://old/r/73.73", "is_paused": False},
        {"id": 2, "key": "demo.11.01", "url": "http://old/r/11.01", "is_paused": False},
        {"id": 3, "key": None, "url": "https://example.org/"},
        {"id": 4, "key": "other.key", "url": "https://example.org/"},
    ]
    plan = plan_services(existing, wanted)
    assert plan.update == [(1, {"url": "http://new/r/73.73"})]
    assert plan.delete == [2]
    assert plan.create == []
    assert plan_services([], wanted).create == [{"key": "demo.73.73", **wanted["demo.73.73"]}]
    unchanged = [{**existing[0], "url": "http://new/r/73.73"}]
    assert plan_services(unchanged, wanted) == plan_services([], {}) == type(plan)()


async def test_pausing_the_demo_ends_the_incidents_its_services_held_open(
    settings: Settings, database: Database
) -> None:
    service_id = await add_service(database, key=service_key("73.73"))
    await probe(database, service_id, Reason.NETWORK_TIMEOUT, 0)
    assert await pause_demo_services(settings) == 1
    async with database.read() as session:
        (incident,) = (await session.exec(select(Incident))).all()
    assert incident.ended_at is not None
