"""Rows the API would refuse, written straight into the database (a year-9000 window, rules
that never move on or start every second, a letter dated in year 1 with a deadline in year
9999): each is left out with one log line, the checker keeps recording every service, and the
pages and documents still answer. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from app.checks.probe import make_probe_client
from app.checks.scheduler import Checker
from app.core.domain import State
from app.settings import Settings
from app.simulator import Behaviour, Mode, Simulator
from app.store import maintenance
from app.store.db import Database
from app.store.declarations import Declaration, DeclarationKind
from app.store.maintenance import MaintenanceWindow
from app.store.models import Service
from app.store.probes import ProbeSample
from app.store.types import utcnow
from tests.conftest import make_settings
from tests.factories import add_simulated_services

EVERY_SECOND = (
    "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24)))
    + ";BYMINUTE=" + ",".join(map(str, range(60)))
    + ";BYSECOND=" + ",".join(map(str, range(60)))
)  # fmt: skip
PAGES = [
    "/",
    "/?lang=en",
    "/regions/73.73",
    "/regions/11.04",
    "/api/v1/regions/73.73",
    "/api/v1/regions/11.04",
    "/api/v1/regions",
    "/api/v1/maintenance",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/feeds/incidents.atom",
    "/api/v1/status",
]


@pytest.fixture
def checker_settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        checker_tick_seconds=0.1,
        wave_national_min_regions=1000,
        wave_group_min_regions=1000,
    )


@pytest.fixture(autouse=True)
def reports_forgotten() -> Iterator[None]:
    """Each database here numbers its rows from 1: forget what another test's rows logged."""
    maintenance._report_once.cache_clear()
    yield
    maintenance._report_once.cache_clear()


async def write_bad_rows(database: Database) -> list[int]:
    now = utcnow()
    windows = [
        MaintenanceWindow(
            title="Sampai tahun 9000",
            starts_at=datetime(2000, 1, 1, tzinfo=UTC),
            ends_at=datetime(9000, 1, 1, tzinfo=UTC),
            rrule="FREQ=YEARLY",
            regions=["73"],
        ),
        MaintenanceWindow(
            title="Tidak pernah maju",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=1),
            rrule="FREQ=DAILY;INTERVAL=0",
            regions=["73"],
        ),
        MaintenanceWindow(
            title="Setiap detik",
            starts_at=now - timedelta(days=30),
            ends_at=now - timedelta(days=30) + timedelta(seconds=1),
            rrule=EVERY_SECOND,
            regions=["73.73"],
        ),
    ]
    letter = Declaration(
        region_code="11.04",
        kind=DeclarationKind.WARNING,
        reference="400.8/1/Dukcapil",
        issuer="Ditjen Dukcapil",
        issued_at=datetime(1, 1, 1, tzinfo=UTC),
        deadline=datetime(9999, 12, 31, 23, tzinfo=UTC),
        created_by="sql",
    )
    async with database.transaction() as session:
        session.add_all([*windows, letter])
        await session.flush()
        return [w.id for w in windows if w.id is not None]


async def samples_of(database: Database) -> dict[int, int]:
    async with database.read() as session:
        query = select(ProbeSample.service_id, func.count()).group_by(col(ProbeSample.service_id))
        return {service_id: int(n) for service_id, n in (await session.exec(query)).all()}


async def test_bad_rows_are_skipped_and_logged_once(
    client: httpx.AsyncClient,
    database: Database,
    checker_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="app.store.maintenance")
    window_ids = await write_bad_rows(database)
    async with Simulator() as sim, make_probe_client() as probe_client:
        sim.set("73.73", Behaviour(Mode.ERROR, status=502))  # covered by every bad window
        await add_simulated_services(database, sim, ["73.73", "74.71"], interval=1)
        checker = Checker(database, checker_settings, probe_client)
        checker.start()
        try:
            for _ in range(100):  # several batches each, whatever the machine's speed
                counts = await samples_of(database)
                if len(counts) == 2 and min(counts.values()) >= 4:
                    break
                await asyncio.sleep(0.1)
        finally:
            await checker.stop()
    assert len(counts) == 2 and min(counts.values()) >= 4, counts

    async with database.read() as session:
        services = {s.region_code: s for s in (await session.exec(select(Service))).all()}
    # No bad window took effect: the failing service is down, not in maintenance.
    assert services["73.73"].state == State.OUTAGE
    assert services["74.71"].state == State.OPERATIONAL

    for path in PAGES + [f"/api/v1/maintenance/{i}" for i in window_ids]:
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
    listed = (await client.get("/api/v1/maintenance")).json()["items"]
    assert {(w["id"], w["status"], len(w["next_occurrences"])) for w in listed} == {
        (i, "completed", 0) for i in window_ids
    }
    region = (await client.get("/api/v1/regions/11.04")).json()
    assert region["warning"]["deadline"] == "9999-12-31T23:00:00Z"
    assert "9999-12-31T23:00:00Z" in (await client.get("/regions/11.04")).text

    reports = [r.getMessage() for r in caplog.records if r.name == "app.store.maintenance"]
    for window_id in window_ids:
        naming = [m for m in reports if m.startswith(f"maintenance window {window_id} ")]
        assert len(naming) == 1, reports
    assert len(reports) == len(window_ids)


async def test_a_bad_row_can_be_deleted_and_must_be_fixed_to_change(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database: Database
) -> None:
    far, never, every_second = await write_bad_rows(database)
    url = f"/api/v1/maintenance/{far}"
    renamed = await client.patch(url, json={"title": "Diganti"}, headers=admin_headers)
    assert renamed.status_code == 422, renamed.text
    assert renamed.json()["detail"][0]["loc"] == ["body", "ends_at"]
    fixed = {"ends_at": "2000-01-01T04:00:00Z"}
    response = await client.patch(url, json=fixed, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["next_occurrences"][0]["ends_at"].endswith("T04:00:00Z")
    for window_id in (never, every_second):
        deleted = await client.delete(f"/api/v1/maintenance/{window_id}", headers=admin_headers)
        assert deleted.status_code == 204, deleted.text
