"""Database growth per simulated day at 10,000 services on a 60 s interval.

A compressed simulation through the real recording path (`record_checks`: check state,
samples, hourly rollups, transitions with their incidents and outbox rows): every service is
checked for ROUNDS rounds of simulated minutes; round 0 gives each service its first
transition, and a share of services goes through one outage (down, then up). Bytes per row
are measured on the resulting database (table and indexes: SQLite's dbstat, PostgreSQL's
pg_total_relation_size) and multiplied by the rows a day brings:
samples = services × 1,440 (kept `probe_retention_hours`, then pruned: a rolling window, not
growth), rollups = services × 24, transitions = services × TRANSITIONS_PER_DAY (an assumption:
two outages a day per service, each a down and an up).

    python bench/growth.py
    python bench/growth.py --services 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.domain import (  # noqa: E402
    CheckRecord,
    FailureKind,
    ProbeResult,
    Reason,
    Verdict,
)
from app.core.regions.registry import load_regions  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.store.db import Database  # noqa: E402
from app.store.migrate import import_registry, upgrade_schema  # noqa: E402
from app.store.models import Service  # noqa: E402
from app.usecases.record_checks import Signals, record_checks  # noqa: E402

ROUNDS = 12
FAILING_SHARE = 0.05
TRANSITIONS_PER_DAY = 4  # per service: two outages, each a down and an up
BATCH = 500
START = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
TABLES = {  # what a day adds, keyed by table
    "probe_sample": "samples",
    "service_hour": "rollups",
    "transition": "transitions",
    "incident": "incidents",
}
POSTGRES_URL = os.environ.get("PANTAU_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/test")


async def seed(settings: Settings, services: int) -> list[tuple[int, str]]:
    await asyncio.to_thread(upgrade_schema, settings)
    await import_registry(settings)
    codes = [r.code for r in load_regions() if r.parent_code is not None]
    database = Database(settings)
    defaults = Service(region_code="", name="", url="", next_check_at=START).model_dump()
    defaults.pop("id")
    rows = [
        defaults
        | {
            "region_code": codes[i % len(codes)],
            "name": f"SIAK {i}",
            "url": f"http://127.0.0.1:9/r/{codes[i % len(codes)]}",
        }
        for i in range(services)
    ]
    table = Service.__table__  # type: ignore[attr-defined]
    async with database.transaction() as session:
        await (await session.connection()).execute(insert(table), rows)
        found = (
            await (await session.connection()).execute(select(table.c.id, table.c.region_code))
        ).all()
    await database.dispose()
    return [(row[0], row[1]) for row in found]


def reason_for(index: int, round_: int, failing_every: int) -> Reason:
    if index % failing_every == 0 and 2 <= round_ < 8:
        return Reason.NETWORK_TIMEOUT
    return Reason.OK


def check(service_id: int, region: str, reason: Reason, at: datetime) -> CheckRecord:
    failed = reason is not Reason.OK
    result = ProbeResult(
        started_at=at,
        latency_ms=5000.0 if failed else 42.0,
        status_code=None if failed else 200,
        failure=FailureKind.DEADLINE if failed else None,
        error="TimeoutError: overall deadline of 5 s exceeded" if failed else None,
    )
    evidence: dict[str, object] = {"status_code": result.status_code, "latency_ms": 42.0}
    evidence["rule"] = "transport_deadline" if failed else "ok"
    return CheckRecord(service_id, region, result, Verdict(reason, evidence), at)


async def simulate(settings: Settings, services: list[tuple[int, str]]) -> float:
    database = Database(settings)
    failing_every = round(1 / FAILING_SHARE)
    started = time.perf_counter()
    for round_ in range(ROUNDS):
        at = START + timedelta(seconds=60 * round_)
        records = [
            check(sid, region, reason_for(i, round_, failing_every), at)
            for i, (sid, region) in enumerate(services)
        ]
        for first in range(0, len(records), BATCH):
            async with database.transaction() as session:
                await record_checks(session, records[first : first + BATCH], signals=Signals())
    elapsed = time.perf_counter() - started
    await database.dispose()
    return elapsed


async def sizes(settings: Settings) -> dict[str, dict[str, int]]:
    database = Database(settings)
    found: dict[str, dict[str, int]] = {}
    if database.dialect == "postgresql":
        # live rows only: the rollups' in-place updates leave dead tuples until a vacuum
        async with database.reader.connect() as raw:
            vacuum = await raw.execution_options(isolation_level="AUTOCOMMIT")
            for table in TABLES:
                await vacuum.exec_driver_sql(f"VACUUM FULL {table}")
    async with database.read() as session:
        connection = await session.connection()
        for table in TABLES:
            rows = (
                await connection.execute(select(func.count()).select_from(text(table)))
            ).scalar()
            if database.dialect == "sqlite":
                query = text(
                    "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN "
                    "(SELECT name FROM sqlite_master WHERE tbl_name = :table)"
                )
                size = (await connection.execute(query, {"table": table})).scalar()
            else:
                query = text("SELECT pg_total_relation_size(CAST(:table AS regclass))")
                size = (await connection.execute(query, {"table": table})).scalar()
            found[table] = {"rows": int(rows or 0), "bytes": int(size or 0)}
    await database.dispose()
    return found


def per_day(services: int, interval: int, measured: dict[str, dict[str, int]]) -> dict[str, Any]:
    rows_per_day = {
        "probe_sample": services * 86_400 // interval,
        "service_hour": services * 24,
        "transition": services * TRANSITIONS_PER_DAY,
        "incident": services * TRANSITIONS_PER_DAY // 2,
    }
    out: dict[str, Any] = {}
    for table, rows in rows_per_day.items():
        row_bytes = measured[table]["bytes"] / max(measured[table]["rows"], 1)
        out[table] = {
            "measured_rows": measured[table]["rows"],
            "bytes_per_row": round(row_bytes, 1),
            "rows_per_day": rows,
            "mb_per_day": round(rows * row_bytes / 1e6, 1),
        }
    return out


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def measure(url: str, simulated: int, services: int, interval: int) -> dict[str, Any]:
    settings = Settings(database_url=url)
    ids = asyncio.run(seed(settings, simulated))
    seconds = asyncio.run(simulate(settings, ids))
    measured = asyncio.run(sizes(settings))
    records = simulated * ROUNDS
    return {
        "records": records,
        "record_rows_per_s": round(records / seconds),
        "per_day": per_day(services, interval, measured),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=10_000, help="for the projection")
    parser.add_argument("--simulate", type=int, default=2_000, help="services simulated")
    parser.add_argument("--interval", type=int, default=60)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    found: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        found["sqlite"] = measure(
            f"sqlite+aiosqlite:///{tmp}/growth.db", args.simulate, args.services, args.interval
        )
    if not args.skip_postgres:
        name = f"pantau_growth_{uuid.uuid4().hex[:8]}"
        base = POSTGRES_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        try:
            asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        except (OSError, asyncpg.PostgresError):
            found["postgresql"] = None
        else:
            try:
                found["postgresql"] = measure(
                    f"{base}/{name}", args.simulate, args.services, args.interval
                )
            finally:
                asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    for backend, result in found.items():
        if result is None:
            print(f"{backend}: skipped (server unreachable)")
            continue
        print(f"{backend}: {result['records']} checks recorded")
        for table, numbers in result["per_day"].items():
            print(
                f"  {table:13} {numbers['bytes_per_row']:7.1f} B/row x "
                f"{numbers['rows_per_day']:>10,} rows/day = {numbers['mb_per_day']:8.1f} MB/day"
            )
    print(json.dumps(found))


if __name__ == "__main__":
    main()
