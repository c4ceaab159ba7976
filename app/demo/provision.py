"""Idempotent set-up of the demo through the API: one keyed service per demo region pointing
at this run's simulator, and one webhook subscription to this run's receiver. Running the
demo again on the same database updates them instead of adding more. When the demo ends,
its services are paused (straight in the database: the API has stopped by then)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlmodel import col, select

from app.demo.api import expect, list_all
from app.demo.scenario import CHECK_SPEC
from app.settings import Settings
from app.store.db import Database
from app.store.models import Service
from app.store.service_models import ServiceUpdate
from app.usecases.service_changes import update_service

KEY_PREFIX = "demo."
SUBSCRIPTION_DESCRIPTION = "pantau demo: local receiver"


def service_key(code: str) -> str:
    return f"{KEY_PREFIX}{code}"


def wanted_services(
    regions: Sequence[str], names: Mapping[str, str], url_for: Callable[[str], str]
) -> dict[str, dict[str, Any]]:
    """The service body of each demo region, by key."""
    return {
        service_key(code): {
            "region_code": code,
            "name": f"SIAK {names[code]} (demo)",
            "url": url_for(code),
            "is_paused": False,
            **CHECK_SPEC,
        }
        for code in regions
    }


@dataclass(frozen=True)
class ServicePlan:
    create: list[dict[str, Any]] = field(default_factory=list)
    update: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # id, changed fields
    delete: list[int] = field(default_factory=list)  # demo services no longer in the demo


def plan_services(
    existing: Sequence[Mapping[str, Any]], wanted: Mapping[str, Mapping[str, Any]]
) -> ServicePlan:
    """What makes the demo's keyed services match `wanted`; other services are left alone."""
    plan = ServicePlan()
    seen = set()
    for service in existing:
        key = service.get("key") or ""
        if not key.startswith(KEY_PREFIX):
            continue
        if key not in wanted:
            plan.delete.append(service["id"])
            continue
        seen.add(key)
        changes = {k: v for k, v in wanted[key].items() if service.get(k) != v}
        if changes:
            plan.update.append((service["id"], changes))
    plan.create.extend({"key": k, **body} for k, body in wanted.items() if k not in seen)
    return plan


async def sync_services(api: httpx.AsyncClient, wanted: Mapping[str, Mapping[str, Any]]) -> None:
    plan = plan_services(await list_all(api, "/api/v1/services"), wanted)
    for service_id in plan.delete:
        expect(await api.delete(f"/api/v1/services/{service_id}"), 204)
    for service_id, changes in plan.update:
        expect(await api.patch(f"/api/v1/services/{service_id}", json=changes))
    for body in plan.create:
        expect(await api.post("/api/v1/services", json=body), 201)


async def wait_until_operational(
    api: httpx.AsyncClient, keys: Sequence[str], *, within: float
) -> bool:
    """Every simulated endpoint starts healthy: once all read operational, the opening
    burst of first checks and recoveries is over, and the scenario's changes stand out."""
    deadline = time.monotonic() + within
    while True:
        services = await list_all(api, "/api/v1/services")
        states = {s["key"]: s["state"] for s in services if s.get("key") in keys}
        if len(states) == len(keys) and all(s == "operational" for s in states.values()):
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.5)


async def find_subscription(api: httpx.AsyncClient) -> dict[str, Any] | None:
    subscriptions = await list_all(api, "/api/v1/subscriptions")
    return next((s for s in subscriptions if s["description"] == SUBSCRIPTION_DESCRIPTION), None)


async def pause_subscription(api: httpx.AsyncClient, url: str) -> int | None:
    """An earlier run's subscription, pointed at this run's receiver but inactive, so the
    burst of first checks is not sent. None if there is none yet."""
    subscription = await find_subscription(api)
    if subscription is None:
        return None
    body = {"url": url, "is_active": False}
    expect(await api.patch(f"/api/v1/subscriptions/{subscription['id']}", json=body))
    return int(subscription["id"])


async def open_subscription(api: httpx.AsyncClient, subscription_id: int | None, url: str) -> str:
    """Activates the demo's subscription (creating it on a first run); returns its secret.
    An earlier run's secret is gone with that run, so it is rotated without grace."""
    if subscription_id is None:
        body = {"url": url, "description": SUBSCRIPTION_DESCRIPTION}
        return str(expect(await api.post("/api/v1/subscriptions", json=body), 201)["secret"])
    path = f"/api/v1/subscriptions/{subscription_id}"
    rotated = expect(await api.post(f"{path}/rotate-secret", json={"grace_seconds": 0}))
    expect(await api.patch(path, json={"is_active": True}))
    return str(rotated["secret"])


async def pause_demo_services(settings: Settings) -> int:
    """Pauses every demo service; the next demo run resumes them."""
    database = Database(settings)
    try:
        async with database.transaction() as session:
            query = select(Service).where(
                col(Service.key).startswith(KEY_PREFIX), col(Service.is_paused).is_(False)
            )
            services = list((await session.exec(query)).all())
            for service in services:
                await update_service(session, service, changes=ServiceUpdate(is_paused=True))
        return len(services)
    finally:
        await database.dispose()
