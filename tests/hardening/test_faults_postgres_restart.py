"""PostgreSQL restarted under the running service. Not the shared server on :5432 (other
tests use it): a private cluster in a temporary directory on a free port, restarted with
pg_ctl. The service must say so on /readyz meanwhile, recover by itself, and lose nothing:
a failure seen while the database was away is recorded, with its event, once it is back."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from app.core.domain import Reason, State
from app.simulator import Behaviour, Mode, Simulator
from app.store.db import Database
from app.store.migrate import upgrade
from app.store.webhooks import WebhookEvent
from tests.conftest import make_settings
from tests.factories import create_service
from tests.support.harness import PantauProcess, free_port, transitions_of
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow
OUTAGE_S = 3.0
SLOW_ANSWER_MS = 1500


class PrivateCluster:
    """initdb + pg_ctl on a free port; as root, run as the `postgres` user."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir = bindir
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.socket_dir = root
        self.port = free_port()

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        command = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=check, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def discard(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


def _postgres_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    bindir = _postgres_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are missing in CI")
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    root = Path(tempfile.mkdtemp(prefix="pantau-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    private = PrivateCluster(bindir, root)
    try:
        private.init()
        private.start()
        yield private
    finally:
        private.discard()
        shutil.rmtree(root, ignore_errors=True)


async def ready(client: httpx.AsyncClient) -> int:
    try:
        return (await client.get("/readyz")).status_code
    except httpx.TransportError:
        return 0


async def test_service_rides_out_a_postgres_restart(
    cluster: PrivateCluster, simulator: Simulator, tmp_path: Path
) -> None:
    url = cluster.url()
    await asyncio.to_thread(upgrade, make_settings(url))
    pantau = PantauProcess(
        url,
        tmp_path / "pantau.log",
        wave_national_min_regions="1000",
        wave_group_min_regions="1000",
    )
    database = Database(make_settings(url))
    # The endpoint answers 502 slowly: its first probe is still in flight when the database
    # goes away, so its result can only be written after the restart.
    simulator.set("73.73", Behaviour(Mode.ERROR, status=502, delay_ms=SLOW_ANSWER_MS))
    try:
        await pantau.start()
        async with pantau.client() as client:
            spec = {"failure_threshold": 1, "interval_seconds": 2, "timeout_seconds": 1.9}
            sid = await create_service(client, "73.73", simulator.url_for("73.73"), **spec)
            await wait_for(lambda: _hit(simulator), within=5, interval=0.02)
            cluster.stop()
            stopped_at = datetime.now(UTC)

            await wait_for(lambda: _ready_is(client, 503), within=5)
            await asyncio.sleep(OUTAGE_S)  # the probe's answer arrives meanwhile
            assert await ready(client) == 503
            # Users get "try again", not a server error, for reads and writes alike.
            read = await client.get("/api/v1/status")
            write = await client.patch(f"/api/v1/services/{sid}", json={"name": "SIAK Palopo"})
            for response in (read, write):
                assert response.status_code == 503, response.text
                assert response.headers["retry-after"] == "5"
                assert "database unavailable" in response.json()["detail"]
            assert pantau.process is not None and pantau.process.returncode is None

            cluster.start()
            await wait_for(lambda: _ready_is(client, 200), within=10)
            await wait_for(lambda: transitions_of(database, sid), within=10)
            # The API answers from the database again, through the same process.
            region = (await client.get("/api/v1/regions/7373")).json()
            assert (region["state"], region["reason"]) == ("outage", "upstream.error")
        (transition,) = await transitions_of(database, sid)
        assert (transition.from_state, transition.to_state) == (State.UNKNOWN, State.OUTAGE)
        assert transition.reason == Reason.UPSTREAM_ERROR
        assert transition.at < stopped_at  # the probe in flight at the stop, not a later one
        async with database.read() as session:
            events = (await session.exec(select(WebhookEvent))).all()
        assert sorted((e.type, e.transition_id) for e in events) == [
            ("region.outage", transition.id),
            ("service.outage", transition.id),
        ]
        assert pantau.process.returncode is None
    finally:
        await pantau.stop(signal.SIGKILL)
        await database.dispose()


async def _hit(simulator: Simulator) -> bool:
    return simulator.hits("73.73") > 0


async def _ready_is(client: httpx.AsyncClient, want: int) -> bool:
    return await ready(client) == want
