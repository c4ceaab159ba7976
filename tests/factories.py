"""The one place tests build what they need: service rows, probes recorded through the real
recording path (record_checks → append_transition, so transitions and outbox events follow),
subscriptions, incidents, and the API payloads and calls several tests make."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import col, select

from app.core.domain import CheckRecord, FailureKind, ProbeResult, Reason, State, Verdict
from app.core.events import EventType
from app.simulator import Simulator
from app.store.db import Database
from app.store.declarations import (
    Declaration,
    DeclarationKind,
    InForce,
    add_declaration,
    in_force_by_region,
)
from app.store.models import Incident, Service, Transition
from app.store.subscriptions import create_subscription
from app.store.types import utcnow
from app.store.webhooks import Delivery, Subscription
from app.usecases.declare import apply_declaration
from app.usecases.record_checks import Signals, record_checks

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
PALOPO_SERVICE = {
    "region_code": "73.73",
    "name": "SIAK Gateway Palopo",
    "url": "https://siak.palopokota.go.id/health",
}
LETTER = {
    "reference": "470/1234/Dukcapil",
    "issuer": "Direktorat Jenderal Kependudukan dan Pencatatan Sipil, Kemendagri",
    "issued_at": "2026-11-28T09:00:00+08:00",
    "url": "https://dukcapil.kemendagri.go.id/berita/470-1234",
}
# The service.* event types: a test of one event's delivery subscribes to these alone, apart
# from the region.* and cutoff.* events a transition may also cause.
SERVICE_EVENTS = [str(t) for t in EventType if t.startswith("service.")]

# Webhook URLs a subscriber might register that must be refused (the issue's matrix).
REFUSED_URLS = [
    "http://127.1/hook",
    "http://2130706433/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/hook",
    "http://10.0.0.1/hook",
    "http://localhost:8000/hook",
    "http://api.localhost/hook",
    "http://0x7f.0.0.1/hook",
    "http://017700000001/hook",
    "http://[::1]/hook",
    "http://100.64.0.1/hook",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://[fd00::1]/hook",
    "http://[fe80::1]/hook",
    "http://192.168.1.1/hook",
    "http://172.16.0.1/hook",
]


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


async def add_service(database: Database, region: str = "73.73", **spec: Any) -> int:
    """A service row; unless `spec` says otherwise it changes state on the first probe that
    asks it to (thresholds of one)."""
    values: dict[str, Any] = {"failure_threshold": 1, "success_threshold": 1} | spec
    async with database.transaction() as session:
        service = Service(
            region_code=region,
            name=f"SIAK {region}",
            url=f"http://127.0.0.1:9/r/{region}",
            next_check_at=T0,
            **values,
        )
        session.add(service)
        await session.flush()
        assert service.id is not None
        return service.id


async def add_simulated_services(
    database: Database, sim: Simulator, codes: list[str], interval: int
) -> None:
    """Services the checker will probe at once, one per code, answered by the simulator."""
    now = utcnow()
    async with database.transaction() as session:
        for i, code in enumerate(codes):
            session.add(
                Service(
                    region_code=code,
                    name=f"SIAK {code}",
                    url=sim.url_for(code),
                    interval_seconds=interval,
                    timeout_seconds=0.5,
                    next_check_at=now + timedelta(milliseconds=20 * i),
                )
            )


def check_record(
    service_id: int, reason: Reason, at: datetime, region: str = "73.73"
) -> CheckRecord:
    """One probe's outcome as the checker hands it to record_checks."""
    failed = reason != Reason.OK
    result = ProbeResult(
        started_at=at,
        latency_ms=12.5,
        status_code=None if failed else 200,
        failure=FailureKind.DEADLINE if failed else None,
    )
    return CheckRecord(service_id, region, result, Verdict(reason, {"rule": "t"}), at)


async def probe(
    database: Database,
    service_id: int,
    reason: Reason,
    at: datetime | float = T0,
    region: str = "73.73",
) -> list[Transition]:
    """Record one probe of the service (`at` may be minutes after T0) in its own transaction."""
    when = at if isinstance(at, datetime) else T0 + timedelta(minutes=at)
    async with database.transaction() as session:
        records = [check_record(service_id, reason, when, region)]
        return await record_checks(session, records, signals=Signals())


async def declare(
    database: Database, kind: str, at: datetime | float, region: str = "73.73"
) -> list[Transition]:
    """An operator's declaration (`cutoff`, `lifted`…, citing LETTER) applied at `at` (or that
    many minutes after T0) through the real use case, as the declarations route does."""
    when = at if isinstance(at, datetime) else T0 + timedelta(minutes=at)
    async with database.transaction() as session:
        lifts = (await in_force_by_region(session, [region])).get(region, InForce()).cause
        row = Declaration(
            region_code=region,
            kind=DeclarationKind(kind),
            reference=LETTER["reference"],
            issuer=LETTER["issuer"],
            issued_at=datetime.fromisoformat(LETTER["issued_at"]),
            url=LETTER["url"],
            created_by="test",
        )
        declaration = await add_declaration(session, row)
        return await apply_declaration(session, declaration, lifts=lifts, at=when)


async def record(database: Database, records: list[CheckRecord]) -> list[Transition]:
    """Record one batch of probe outcomes (several services at once) in one transaction."""
    async with database.transaction() as session:
        return await record_checks(session, records, signals=Signals())


async def add_incident(database: Database, region: str = "73.73") -> int:
    async with database.transaction() as session:
        incident = Incident(
            region_code=region,
            started_at=utcnow(),
            worst_state=State.OUTAGE,
            category="network",
            reason=Reason.NETWORK_TIMEOUT,
        )
        session.add(incident)
        await session.flush()
        assert incident.id is not None
        return incident.id


async def subscribe(database: Database, url: str, **filters: Any) -> Subscription:
    async with database.transaction() as session:
        return await create_subscription(session, url=url, **filters)


async def deliveries(database: Database, subscription_id: int | None = None) -> list[Delivery]:
    async with database.read() as session:
        query = select(Delivery).order_by(col(Delivery.id))
        if subscription_id is not None:
            query = query.where(col(Delivery.subscription_id) == subscription_id)
        return list((await session.exec(query)).all())


async def create_service(client: httpx.AsyncClient, region: str, url: str, **spec: Any) -> int:
    """A service created through the API, checked every second, flipping after two probes."""
    body = {
        "region_code": region,
        "name": f"SIAK {region}",
        "url": url,
        "interval_seconds": 1,
        "timeout_seconds": 0.8,
        "failure_threshold": 2,
        "success_threshold": 2,
    } | spec
    response = await client.post("/api/v1/services", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def issue_key(
    client: httpx.AsyncClient, admin_headers: dict[str, str], *scopes: str, name: str = "tool"
) -> dict[str, Any]:
    body = {"name": name, "scopes": list(scopes)}
    response = await client.post("/api/v1/keys", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued
