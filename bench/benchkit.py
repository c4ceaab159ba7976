"""What the benchmarks share: percentiles, loopback ports, the simulator, servers started as
child processes and waited for, and scratch PostgreSQL databases. Only 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
POSTGRES = f"postgresql+asyncpg://postgres@{HOST}:5432"


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..1); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_simulator() -> tuple[subprocess.Popen[str], str]:
    """`python -m app.simulator` on a free loopback port, and its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "app.simulator", "--port", "0", "--log-level", "warning"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip().rsplit(" ", 1)[-1]


def wait_serving(
    process: subprocess.Popen[bytes], port: int, path: str, name: str, *, tries: int = 300
) -> subprocess.Popen[bytes]:
    """`process` once it answers `path` with 200; killed, and an error, if it never does."""
    for _ in range(tries):
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            if httpx.get(f"http://{HOST}:{port}{path}", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{name} did not start on port {port}")


async def postgres_database(name: str, *, fresh: bool = True) -> str | None:
    """The URL of database `name` (created empty when `fresh`); None without a server."""
    engine = create_async_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            if fresh:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OSError:
        return None
    finally:
        await engine.dispose()
    return f"{POSTGRES}/{name}"


async def drop_postgres(name: str) -> None:
    engine = create_async_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()
