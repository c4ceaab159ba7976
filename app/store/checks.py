"""Check bookkeeping: claiming due services under a lease, samples and hourly rollups (the
check state is in check_states.py). Core statements in batches: this runs for every probe."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.check_settings import CHECK_SETTING_NAMES, CheckSettings
from app.core.domain import Category, Reason
from app.core.evaluate import Sample
from app.store.batch import execute_many, utc_binder
from app.store.models import Service
from app.store.probes import ProbeSample, ServiceHour

service_table: Table = SQLModel.metadata.tables[Service.__tablename__]  # type: ignore[index]
sample_table: Table = SQLModel.metadata.tables[ProbeSample.__tablename__]  # type: ignore[index]
hour_table: Table = SQLModel.metadata.tables[ServiceHour.__tablename__]  # type: ignore[index]

# What a probe needs, read at claim time: identity, target and slot, then the settings.
_CLAIM_COLUMNS = ("id", "region_code", "url", "basic_auth", "next_check_at", *CHECK_SETTING_NAMES)
_SETTINGS_START = 5


_MOVE_SLOT = (
    update(service_table)
    .where(service_table.c.id == bindparam("b_id"))
    .values(next_check_at=bindparam("b_next"), lease_expires_at=bindparam("b_lease"))
)
_MOVE_SLOT_ORDER = ("b_next", "b_lease", "b_id")
_SAMPLE_COLUMNS = ("service_id", "at", "latency_ms", "status_code", "reason")
_INSERT_SAMPLES = insert(sample_table).values(
    {name: bindparam(f"b_{name}") for name in _SAMPLE_COLUMNS}
)
_SAMPLE_ORDER = tuple(f"b_{name}" for name in _SAMPLE_COLUMNS)


@dataclass(frozen=True, slots=True)
class ClaimedCheck:
    """A service leased to this process for one probe, due at `due_at`."""

    service_id: int
    region_code: str
    url: str
    basic_auth: tuple[str, str] | None = field(repr=False)
    due_at: datetime
    settings: CheckSettings


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int, lease_seconds: float
) -> list[ClaimedCheck]:
    """Services due for a probe, leased to this process and moved to their next slot. Skips
    rows another replica holds (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer)."""
    c = service_table.c
    query = (
        select(*(c[name] for name in _CLAIM_COLUMNS))
        .where(
            c.is_paused.is_(False),
            c.next_check_at <= now,
            or_(c.lease_expires_at.is_(None), c.lease_expires_at < now),
        )
        .order_by(c.next_check_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (await (await session.connection()).execute(query)).all()
    if not rows:
        return []
    claimed = [_claimed(row) for row in rows]
    connection = await session.connection()
    utc = utc_binder(connection.dialect)
    params = []
    for check in claimed:
        interval = timedelta(seconds=check.settings.interval_seconds)
        following = check.due_at + interval
        # Keep each service's phase; when more than half an interval behind (a restart, a
        # dead replica's lease running out), start again from now, so two probes of one
        # service are never less than half an interval apart.
        next_at = following if following - now >= interval / 2 else now + interval
        lease = now + timedelta(seconds=check.settings.timeout_seconds + lease_seconds)
        params.append((utc(next_at), utc(lease), check.service_id))
    await execute_many(session, _MOVE_SLOT, _MOVE_SLOT_ORDER, params)
    return claimed


def _claimed(row: Row[Any]) -> ClaimedCheck:
    service_id, region_code, url, basic_auth, due_at = row[:_SETTINGS_START]
    settings = CheckSettings(*row[_SETTINGS_START:])
    return ClaimedCheck(service_id, region_code, url, _basic_auth(basic_auth), due_at, settings)


def check_now(service: Service, *, now: datetime) -> ClaimedCheck:
    """A service as a probe due now, outside the schedule and without a lease: the console's
    "Cek sekarang / Check now" probes it once with exactly what the checker would send."""
    assert service.id is not None
    settings = CheckSettings(*(getattr(service, name) for name in CHECK_SETTING_NAMES))
    auth = _basic_auth(service.basic_auth)
    return ClaimedCheck(service.id, service.region_code, service.url, auth, now, settings)


def _basic_auth(stored: object) -> tuple[str, str] | None:
    if not isinstance(stored, dict):
        return None
    return str(stored.get("username", "")), str(stored.get("password", ""))


async def shift_schedule(session: AsyncSession, *, now: datetime, by: timedelta) -> int:
    """Move every slot and lease still ahead of `now` by `by` (negative after the clock stepped
    back), so each service keeps its phase instead of waiting out the step. Row by row in
    Python: SQLite cannot add intervals to its stored datetimes, and this runs once a step."""
    c = service_table.c
    connection = await session.connection()
    ahead = or_(c.next_check_at > now, c.lease_expires_at > now)
    rows = (
        await connection.execute(select(c.id, c.next_check_at, c.lease_expires_at).where(ahead))
    ).all()
    if not rows:
        return 0
    await connection.execute(
        _MOVE_SLOT,
        [
            {
                "b_id": row.id,
                "b_next": _shifted(row.next_check_at, now, by),
                "b_lease": _shifted(row.lease_expires_at, now, by),
            }
            for row in rows
        ],
    )
    return len(rows)


def _shifted(at: datetime | None, now: datetime, by: timedelta) -> datetime | None:
    return at + by if at is not None and at > now else at


async def release_leases(session: AsyncSession, service_ids: Sequence[int]) -> None:
    """Probes cut off at shutdown: their services wait for their next slot, not for the lease."""
    c = service_table.c
    await (await session.connection()).execute(
        update(service_table).where(c.id.in_(service_ids)).values(lease_expires_at=None)
    )


async def record_samples(session: AsyncSession, samples: Sequence[Sample]) -> None:
    if not samples:
        return
    utc = utc_binder((await session.connection()).dialect)
    rows = [(s.service_id, utc(s.at), s.latency_ms, s.status_code, str(s.reason)) for s in samples]
    await execute_many(session, _INSERT_SAMPLES, _SAMPLE_ORDER, rows)
    await _add_to_rollups(session, samples, utc)


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
_REASON_COLUMN = {reason: _ROLLUP_COLUMN[reason.category] for reason in Reason}
_COUNTERS = ("probes", *sorted(set(_ROLLUP_COLUMN.values())), "latency_sum_ms")


# The upsert binds every column in the table's order.
_HOUR_ORDER = tuple(column.name for column in hour_table.columns)


def _hourly(samples: Sequence[Sample]) -> list[dict[str, Any]]:
    rows: dict[tuple[int, datetime], dict[str, Any]] = defaultdict(
        lambda: dict.fromkeys((*_COUNTERS, "latency_max_ms"), 0)
    )
    for s in samples:
        hour = s.at.replace(minute=0, second=0, microsecond=0)
        row = rows[(s.service_id, hour)]
        row["probes"] += 1
        row[_REASON_COLUMN[s.reason]] += 1
        row["latency_sum_ms"] += s.latency_ms
        row["latency_max_ms"] = max(row["latency_max_ms"], s.latency_ms)
    return [{"service_id": k[0], "hour": k[1]} | v for k, v in rows.items()]


def _rollup_upsert(dialect: str) -> Any:
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_for(hour_table)
    excluded = statement.excluded
    increments: dict[str, Any] = {name: hour_table.c[name] + excluded[name] for name in _COUNTERS}
    higher = func.greatest if dialect == "postgresql" else func.max
    increments["latency_max_ms"] = higher(hour_table.c.latency_max_ms, excluded.latency_max_ms)
    return statement.on_conflict_do_update(index_elements=["service_id", "hour"], set_=increments)


# Built once: a statement object carries its memoized cache key, so the hot path skips
# constructing it and working out its key for every batch.
_ROLLUP_UPSERTS = {dialect: _rollup_upsert(dialect) for dialect in ("postgresql", "sqlite")}


async def _add_to_rollups(
    session: AsyncSession, samples: Sequence[Sample], utc: Callable[[datetime | None], Any]
) -> None:
    upsert = _ROLLUP_UPSERTS[session.get_bind().dialect.name]
    rows = [
        (row["service_id"], utc(row["hour"]), *(row[name] for name in _HOUR_ORDER[2:]))
        for row in _hourly(samples)
    ]
    await execute_many(session, upsert, _HOUR_ORDER, rows)


PRUNE_CHUNK = 5000


async def prune_samples(
    session: AsyncSession, *, before: datetime, limit: int | None = None
) -> int:
    """Samples older than `before`, at most `limit` of them (the oldest first)."""
    c = sample_table.c
    statement = delete(sample_table)
    if limit is None:
        statement = statement.where(c.at < before)
    else:
        oldest = select(c.id).where(c.at < before).order_by(c.at).limit(limit)
        statement = statement.where(c.id.in_(oldest.scalar_subquery()))
    result = await (await session.connection()).execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)
