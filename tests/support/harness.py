"""End-to-end harness: the real service under uvicorn in a subprocess, real region codes, and
readers of what the database recorded."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from sqlmodel import col, select

from app.core.regions.registry import load_regions
from app.store.db import Database
from app.store.models import Service, Transition
from tests.conftest import ADMIN_TOKEN
from tests.support.waiting import wait_for

PANTAU = str(Path(sys.executable).with_name("pantau"))
# Several replicas importing the app at once on a loaded two-core machine start slowly.
READY_WITHIN = 60.0


def region_codes(count: int, *, skip: int = 0) -> list[str]:
    """Real regency/city codes from the registry (the API refuses codes that do not exist)."""
    codes = [r.code for r in load_regions() if r.parent_code is not None]
    return codes[skip : skip + count]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PantauProcess:
    """`pantau serve` on a free loopback port, with the given PANTAU_* settings."""

    def __init__(self, database_url: str, log_path: Path, **settings: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = os.environ | {
            "PANTAU_DATABASE_URL": database_url,
            "PANTAU_ADMIN_TOKEN": ADMIN_TOKEN,
            "PANTAU_PORT": str(self.port),
            "PANTAU_CHECKER_TICK_SECONDS": "0.2",
            "PANTAU_LOG_LEVEL": "warning",
        }
        self.env |= {f"PANTAU_{k.upper()}": v for k, v in settings.items()}
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                PANTAU, "serve", env=self.env, stdout=log, stderr=log
            )
        process = self.process
        async with httpx.AsyncClient() as client:

            async def ready() -> bool:
                assert process.returncode is None, self.log_path.read_text()[-3000:]
                try:
                    return (await client.get(f"{self.base_url}/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_for(ready, within=READY_WITHIN)

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(sig)
        try:
            await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def client(self) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=10)


@asynccontextmanager
async def serving_copy(
    sqlite_template: Path, folder: Path, **settings: str
) -> AsyncIterator[PantauProcess]:
    """`pantau serve` on a copy of the migrated SQLite template in `folder` (the database URL in
    `.env["PANTAU_DATABASE_URL"]`), stopped at the end: a browser test module's one server."""
    shutil.copyfile(sqlite_template, folder / "pantau.db")
    url = f"sqlite+aiosqlite:///{folder / 'pantau.db'}"
    pantau = PantauProcess(url, folder / "pantau.log", **settings)
    await pantau.start()
    try:
        yield pantau
    finally:
        await pantau.stop()


async def transitions_of(database: Database, service_id: int) -> list[Transition]:
    async with database.read() as session:
        query = select(Transition).where(Transition.service_id == service_id)
        return list((await session.exec(query.order_by(col(Transition.id)))).all())


async def service_row(database: Database, service_id: int) -> Service:
    async with database.read() as session:
        service = await session.get(Service, service_id)
    assert service is not None
    return service
