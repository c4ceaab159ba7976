"""Sample and rollup writes: Pantau's `record_samples` (SQLAlchemy Core, batched: one insert of
the samples and one upsert of their hourly rollups per batch) against a plain batched insert
of the same rows through the bare driver (sqlite3 / asyncpg executemany, same statements, same
batch per transaction), each on a fresh copy of the real schema, in one run.

    python bench/inserts.py                      # SQLite; PostgreSQL too when reachable
    python bench/inserts.py --batches 50 --batch 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.domain import Reason  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.store.checks import Sample, _hourly, record_samples  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.migrate import import_registry, upgrade_schema  # noqa: E402
from app.store.models import Service  # noqa: E402
from app.store.types import utcnow  # noqa: E402

SERVICES = 1000
POSTGRES_URL = os.environ.get("PANTAU_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/test")
ROLLUP_COUNTERS = (
    *("probes", "maintenance", "network", "ok", "policy", "slow", "unhealthy"),
    *("upstream", "latency_sum_ms"),
)
ROLLUP_COLUMNS = ("service_id", "hour", *ROLLUP_COUNTERS, "latency_max_ms")


def batches(count: int, size: int) -> list[list[Sample]]:
    rng = random.Random(3)
    start = datetime(2026, 11, 29, 8, tzinfo=UTC)
    reasons = [Reason.OK] * 18 + [Reason.NETWORK_TIMEOUT, Reason.UPSTREAM_ERROR]
    out = []
    for b in range(count):
        at = start + timedelta(seconds=60 * b)
        out.append(
            [
                Sample(
                    1 + (b * size + i) % SERVICES, at, rng.uniform(2, 900), 200, rng.choice(reasons)
                )
                for i in range(size)
            ]
        )
    return out


async def prepare(url: str) -> None:
    settings = Settings(database_url=url)
    await asyncio.to_thread(upgrade_schema, settings)
    await import_registry(settings)
    database = Database(settings)
    now = utcnow()
    defaults = Service(region_code="73.73", name="", url="", next_check_at=now).model_dump()
    defaults.pop("id")
    async with database.transaction() as session:
        rows = [
            defaults | {"name": f"s{i}", "url": f"http://127.0.0.1/{i}"} for i in range(SERVICES)
        ]
        await (await session.connection()).execute(insert(Service.__table__), rows)  # type: ignore[attr-defined]
    await database.dispose()


async def pantau_batch(database: Database, batch: list[Sample]) -> None:
    async with database.transaction() as session:
        await record_samples(session, batch)


SAMPLE_SQL = "INSERT INTO probe_sample (service_id, at, latency_ms, status_code, reason) VALUES "
UPSERT_SET = ", ".join(f"{c} = service_hour.{c} + excluded.{c}" for c in ROLLUP_COUNTERS)
SQLITE_UPSERT = (
    f"INSERT INTO service_hour ({', '.join(ROLLUP_COLUMNS)}) VALUES "
    f"({', '.join('?' * len(ROLLUP_COLUMNS))}) ON CONFLICT (service_id, hour) DO UPDATE SET "
    f"{UPSERT_SET}, latency_max_ms = max(service_hour.latency_max_ms, excluded.latency_max_ms)"
)
POSTGRES_UPSERT = (
    f"INSERT INTO service_hour ({', '.join(ROLLUP_COLUMNS)}) VALUES "
    f"({', '.join(f'${i + 1}' for i in range(len(ROLLUP_COLUMNS)))}) "
    f"ON CONFLICT (service_id, hour) DO UPDATE SET {UPSERT_SET}, "
    "latency_max_ms = greatest(service_hour.latency_max_ms, excluded.latency_max_ms)"
)


def _text_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def sqlite_batch(connection: sqlite3.Connection, batch: list[Sample]) -> None:
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        SAMPLE_SQL + "(?, ?, ?, ?, ?)",
        [
            (s.service_id, _text_time(s.at), s.latency_ms, s.status_code, str(s.reason))
            for s in batch
        ],
    )
    rollups = [
        tuple(_text_time(r[c]) if c == "hour" else r[c] for c in ROLLUP_COLUMNS)
        for r in _hourly(batch)
    ]
    connection.executemany(SQLITE_UPSERT, rollups)
    connection.execute("COMMIT")


async def postgres_batch(connection: asyncpg.Connection, batch: list[Sample]) -> None:
    async with connection.transaction():
        await connection.executemany(
            SAMPLE_SQL + "($1, $2, $3, $4, $5)",
            [(s.service_id, s.at, s.latency_ms, s.status_code, str(s.reason)) for s in batch],
        )
        rollups = [tuple(r[c] for c in ROLLUP_COLUMNS) for r in _hourly(batch)]
        await connection.executemany(POSTGRES_UPSERT, rollups)


async def interleaved(
    plain: Callable[[list[Sample]], Awaitable[None]],
    ours: Callable[[list[Sample]], Awaitable[None]],
    work: list[list[Sample]],
) -> tuple[float, float]:
    """Batch by batch, the plain insert then Pantau's, so a change in the machine's load
    (it is shared) weighs on both alike."""
    plain_s = ours_s = 0.0
    for batch in work:
        started = time.perf_counter()
        await plain(batch)
        between = time.perf_counter()
        await ours(batch)
        plain_s += between - started
        ours_s += time.perf_counter() - between
    return plain_s, ours_s


def result(rows: int, floor_s: float, pantau_s: float) -> dict[str, float]:
    return {
        "rows": rows,
        "floor_rows_per_s": rows / floor_s,
        "pantau_rows_per_s": rows / pantau_s,
        "ratio": floor_s / pantau_s,
    }


def run_sqlite(work: list[list[Sample]]) -> dict[str, float]:
    rows = sum(len(b) for b in work)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {k: f"{tmp}/{k}.db" for k in ("floor", "pantau")}
        for path in paths.values():
            asyncio.run(prepare(f"sqlite+aiosqlite:///{path}"))

        async def both() -> tuple[float, float]:
            connection = sqlite3.connect(paths["floor"], isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            database = Database(Settings(database_url=f"sqlite+aiosqlite:///{paths['pantau']}"))

            async def plain(batch: list[Sample]) -> None:
                sqlite_batch(connection, batch)

            try:
                return await interleaved(plain, lambda b: pantau_batch(database, b), work)
            finally:
                connection.close()
                await database.dispose()

        floor_s, pantau_s = asyncio.run(both())
    return result(rows, floor_s, pantau_s)


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def run_postgres(work: list[list[Sample]]) -> dict[str, float] | None:
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError):
        return None
    rows = sum(len(b) for b in work)
    base = POSTGRES_URL.rsplit("/", 1)[0]
    names = {k: f"pantau_bench_{k}_{uuid.uuid4().hex[:8]}" for k in ("floor", "pantau")}
    ours_url = f"{base}/{names['pantau']}".replace("postgresql://", "postgresql+asyncpg://")

    async def both() -> tuple[float, float]:
        connection = await asyncpg.connect(f"{base}/{names['floor']}")
        database = Database(Settings(database_url=ours_url))
        try:
            return await interleaved(
                lambda b: postgres_batch(connection, b),
                lambda b: pantau_batch(database, b),
                work,
            )
        finally:
            await connection.close()
            await database.dispose()

    try:
        for name in names.values():
            asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
            asyncio.run(prepare(f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://")))
        floor_s, pantau_s = asyncio.run(both())
    finally:
        for name in names.values():
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return result(rows, floor_s, pantau_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--batch", type=int, default=200, help="rows per transaction")
    args = parser.parse_args()
    work = batches(args.batches, args.batch)
    found: dict[str, Any] = {"sqlite": run_sqlite(work), "postgresql": run_postgres(work)}
    for backend, numbers in found.items():
        if numbers is None:
            print(f"{backend}: skipped (server unreachable)")
            continue
        floor, ours = numbers["floor_rows_per_s"], numbers["pantau_rows_per_s"]
        print(
            f"{backend}: {numbers['rows']} samples in batches of {args.batch}: plain driver "
            f"{floor:,.0f} rows/s, Pantau {ours:,.0f} rows/s = {numbers['ratio']:.2f}x"
        )
    print(json.dumps(found))


if __name__ == "__main__":
    main()
