"""SQLite under contention, through the real service: another process's writer holding the
database locked for longer than the busy timeout, and 50 API writers at once."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from app.core.domain import Reason, State
from app.simulator import Behaviour, Mode, Simulator
from app.store.db import Database
from tests.factories import create_service
from tests.support.harness import PantauProcess, region_codes, transitions_of
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
BUSY_TIMEOUT_S = 0.5
LOCK_HELD_S = 3.0
SLOW_ANSWER_MS = 800
WRITERS = 50


def sqlite_path(database_url: str) -> str:
    return database_url.split(":///", 1)[1]


async def test_checker_outlasts_another_writer_holding_the_lock(
    simulator: Simulator,
    start_pantau: Callable[..., PantauProcess],
    database: Database,
    database_url: str,
) -> None:
    # Every write of the service's gives up after half a second while the lock is held,
    # so the checker's own retries (not SQLite's busy wait) must bring its result in.
    service = start_pantau(
        sqlite_busy_timeout_seconds=str(BUSY_TIMEOUT_S),
        wave_national_min_regions="1000",
        wave_group_min_regions="1000",
    )
    await service.start()
    simulator.set("73.73", Behaviour(Mode.ERROR, status=502, delay_ms=SLOW_ANSWER_MS))
    async with service.client() as client:
        spec = {"failure_threshold": 1, "interval_seconds": 2, "timeout_seconds": 1.5}
        sid = await create_service(client, "73.73", simulator.url_for("73.73"), **spec)
        await wait_for(lambda: _hit(simulator), within=5, interval=0.02)

        other = sqlite3.connect(sqlite_path(database_url), timeout=5, isolation_level=None)
        try:
            other.execute("BEGIN EXCLUSIVE")
            locked_at = datetime.now(UTC)
            await asyncio.sleep(LOCK_HELD_S)  # the probe's answer arrives meanwhile
            # Readers are not blocked (WAL), and the process is alive and answering.
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/api/v1/services")).status_code == 200
            assert await transitions_of(database, sid) == []
            # A write that cannot get the lock in time is "try again", not a server error.
            write = await client.patch(f"/api/v1/services/{sid}", json={"name": "SIAK Palopo"})
            assert write.status_code == 503, write.text
            assert write.headers["retry-after"] == "5"
        finally:
            other.rollback()
            other.close()
        assert service.process is not None and service.process.returncode is None

        await wait_for(lambda: transitions_of(database, sid), within=5)
    (transition,) = await transitions_of(database, sid)
    assert (transition.to_state, transition.reason) == (State.OUTAGE, Reason.UPSTREAM_ERROR)
    assert transition.at < locked_at  # the result held through the lock, not a later probe
    assert "recording check results works again" in service.log_path.read_text()


async def _hit(simulator: Simulator) -> bool:
    return simulator.hits("73.73") > 0


async def test_fifty_concurrent_writers_never_see_a_locked_database(
    simulator: Simulator, start_pantau: Callable[..., PantauProcess]
) -> None:
    codes = region_codes(WRITERS, skip=50)
    service = start_pantau()
    await service.start()
    limits = httpx.Limits(max_connections=WRITERS * 2)
    async with (
        service.client() as client,
        httpx.AsyncClient(
            base_url=client.base_url, headers=client.headers, limits=limits, timeout=30
        ) as many,
    ):

        async def write(code: str) -> httpx.Response:
            body = {"region_code": code, "name": f"SIAK {code}", "url": simulator.url_for(code)}
            created = await many.post("/api/v1/services", json=body | {"interval_seconds": 1})
            if created.status_code != 201:
                return created
            sid = created.json()["id"]
            return await many.patch(f"/api/v1/services/{sid}", json={"name": f"SIAK {code} (2)"})

        # The checker starts probing the first services while the rest are still being written.
        responses = await asyncio.gather(*(write(code) for code in codes))
        listed = (await client.get("/api/v1/services", params={"limit": 100})).json()["items"]
    statuses = [r.status_code for r in responses]
    assert statuses == [200] * WRITERS, [r.text for r in responses if r.status_code != 200]
    assert sorted(s["name"] for s in listed) == sorted(f"SIAK {c} (2)" for c in codes)
    assert "database is locked" not in service.log_path.read_text()
