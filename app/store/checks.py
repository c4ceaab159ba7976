"""Check bookkeeping: claiming due services under a lease, saving check state, samples and
hourly rollups. Core statements in batches: this runs for every probe."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain import Category, Reason
from app.store.models import Service
from app.store.probes import ProbeSample, ServiceHour

service_table: Table = SQLModel.metadata.tables[Service.__tablename__]  # type: ignore[index]
sample_table: Table = SQLModel.metadata.tables[ProbeSample.__tablename__]  # type: ignore[index]
hour_table: Table = SQLModel.metadata.tables[ServiceHour.__tablename__]  # type: ignore[index]

CHECK_STATE_COLUMNS = (
    "state",
    "reason",
    "state_changed_at",
    "consecutive_failures",
    "consecutive_successes",
    "streak_reason",
    "reason_streak",
    "sequence",
    "last_checked_at",
    "lease_expires_at",
)

# Spec columns a probe needs, read at claim time.
SPEC_COLUMNS = (
    "id",
    "region_code",
    "url",
    "method",
    "timeout_seconds",
    "follow_redirects",
    "expected_status",
    "body_contains",
    "degraded_latency_ms",
    "policy_markers",
    "cutoff_markers",
    "interval_seconds",
    "next_check_at",
)


@dataclass(frozen=True, slots=True)
class Sample:
    service_id: int
    at: datetime
    latency_ms: float
    status_code: int | None
    reason: Reason


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int, lease_seconds: float
) -> list[dict[str, Any]]:
    """Rows due for a probe, leased to this process and moved to their next slot. Skips rows
    another replica holds (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer)."""
    c = service_table.c
    query = (
        select(*(c[name] for name in SPEC_COLUMNS))
        .where(
            c.is_paused.is_(False),
            c.next_check_at <= now,
            or_(c.lease_expires_at.is_(None), c.lease_expires_at < now),
        )
        .order_by(c.next_check_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = [dict(row) for row in (await (await session.connection()).execute(query)).mappings()]
    if not rows:
        return rows
    params = []
    for row in rows:
        interval = timedelta(seconds=row["interval_seconds"])
        following = row["next_check_at"] + interval
        # Keep each service's phase; when far behind, start again from now.
        next_at = following if following > now else now + interval
        lease = now + timedelta(seconds=row["timeout_seconds"] + lease_seconds)
        params.append({"b_id": row["id"], "b_next": next_at, "b_lease": lease})
    statement = (
        update(service_table)
        .where(c.id == bindparam("b_id"))
        .values(next_check_at=bindparam("b_next"), lease_expires_at=bindparam("b_lease"))
    )
    await (await session.connection()).execute(statement, params)
    return rows


async def load_check_states(session: AsyncSession, ids: Sequence[int]) -> dict[int, Any]:
    c = service_table.c
    columns = [c.id, c.region_code, c.failure_threshold, c.success_threshold]
    columns += [c[name] for name in CHECK_STATE_COLUMNS]
    rows = await (await session.connection()).execute(select(*columns).where(c.id.in_(ids)))
    return {row.id: row for row in rows}


async def save_check_states(session: AsyncSession, updates: list[dict[str, Any]]) -> None:
    """Each dict holds `b_id` and every column of CHECK_STATE_COLUMNS."""
    if not updates:
        return
    statement = (
        update(service_table)
        .where(service_table.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in CHECK_STATE_COLUMNS})
    )
    await (await session.connection()).execute(
        statement,
        [{"b_id": u["b_id"]} | {f"b_{n}": u[n] for n in CHECK_STATE_COLUMNS} for u in updates],
    )


async def record_samples(session: AsyncSession, samples: Sequence[Sample]) -> None:
    if not samples:
        return
    await (await session.connection()).execute(
        insert(sample_table),
        [
            {
                "service_id": s.service_id,
                "at": s.at,
                "latency_ms": s.latency_ms,
                "status_code": s.status_code,
                "reason": str(s.reason),
            }
            for s in samples
        ],
    )
    await _add_to_rollups(session, samples)


_ROLLUP_COLUMN = {
    Category.OK: "ok",
    Category.PERFORMANCE: "slow",
    Category.NETWORK: "network",
    Category.LOCAL: "network",
    Category.POLICY: "policy",
    Category.UPSTREAM: "upstream",
    Category.MAINTENANCE: "maintenance",
    Category.PROBE: "unhealthy",
}
_COUNTERS = ("probes", *sorted(set(_ROLLUP_COLUMN.values())), "latency_sum_ms")


def _hourly(samples: Sequence[Sample]) -> list[dict[str, Any]]:
    rows: dict[tuple[int, datetime], dict[str, Any]] = defaultdict(
        lambda: dict.fromkeys((*_COUNTERS, "latency_max_ms"), 0)
    )
    for s in samples:
        hour = s.at.replace(minute=0, second=0, microsecond=0)
        row = rows[(s.service_id, hour)]
        row["probes"] += 1
        row[_ROLLUP_COLUMN[s.reason.category]] += 1
        row["latency_sum_ms"] += s.latency_ms
        row["latency_max_ms"] = max(row["latency_max_ms"], s.latency_ms)
    return [{"service_id": k[0], "hour": k[1]} | v for k, v in rows.items()]


async def _add_to_rollups(session: AsyncSession, samples: Sequence[Sample]) -> None:
    dialect = session.get_bind().dialect.name
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_for(hour_table)
    excluded = statement.excluded
    increments: dict[str, Any] = {name: hour_table.c[name] + excluded[name] for name in _COUNTERS}
    increments["latency_max_ms"] = func.max(hour_table.c.latency_max_ms, excluded.latency_max_ms)
    if dialect == "postgresql":
        increments["latency_max_ms"] = func.greatest(
            hour_table.c.latency_max_ms, excluded.latency_max_ms
        )
    upsert = statement.on_conflict_do_update(index_elements=["service_id", "hour"], set_=increments)
    await (await session.connection()).execute(upsert, _hourly(samples))


async def failing_and_monitored_regions(
    session: AsyncSession, *, since: datetime
) -> tuple[int, int]:
    """Regions whose latest probe failed with a network or upstream reason, recently; and
    regions monitored at all. The ingredients of a central-wave decision."""
    c = service_table.c
    central_reason = or_(c.streak_reason.like("network.%"), c.streak_reason.like("upstream.%"))
    failing = func.count(func.distinct(c.region_code)).filter(
        and_(c.consecutive_failures > 0, c.last_checked_at >= since, central_reason)
    )
    monitored = func.count(func.distinct(c.region_code))
    row = (
        await (await session.connection()).execute(
            select(failing, monitored).where(c.is_paused.is_(False))
        )
    ).one()
    return int(row[0]), int(row[1])


async def prune_samples(session: AsyncSession, *, before: datetime) -> int:
    result = await (await session.connection()).execute(
        delete(sample_table).where(sample_table.c.at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)
