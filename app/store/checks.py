"""Check bookkeeping: claiming due services under a lease, samples and hourly rollups (the
check state is in check_states.py). Core statements in batches: this runs for every probe."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.check_settings import CHECK_SETTING_NAMES, CheckSettings
from app.core.domain import Category, Reason
from app.core.evaluate import Sample
from app.store.batch import execute_many, fetch_all, json_reader, utc_binder, utc_reader
from app.store.models import Service
from app.store.probes import ProbeSample, ServiceHour

service_table: Table = SQLModel.metadata.tables[Service.__tablename__]  # type: ignore[index]
sample_table: Table = SQLModel.metadata.tables[ProbeSample.__tablename__]  # type: ignore[index]
hour_table: Table = SQLModel.metadata.tables[ServiceHour.__tablename__]  # type: ignore[index]

# What a probe needs, read at claim time: identity, target and slot, then the settings.
_CLAIM_COLUMNS = ("id", "region_code", "url", "basic_auth", "next_check_at", *CHECK_SETTING_NAMES)
_SETTINGS_START = 5
# Settings the driver hands back as stored: JSON documents, and SQLite's 0/1 for a boolean.
_JSON_SETTINGS = frozenset({"policy_markers", "cutoff_markers"})
_BOOLEAN_SETTINGS = frozenset({"follow_redirects"})


def _due_query() -> Any:
    c = service_table.c
    # Two names for the one instant: PostgreSQL's placeholders would bind one name once.
    return (
        select(*(c[name] for name in _CLAIM_COLUMNS))
        .where(
            c.is_paused.is_(False),
            c.next_check_at <= bindparam("b_due_by"),
            or_(c.lease_expires_at.is_(None), c.lease_expires_at < bindparam("b_lease_by")),
        )
        .order_by(c.next_check_at)
        .limit(bindparam("b_limit"))
        # SQLite's compiler writes an OFFSET beside any bound LIMIT: bound here, always 0.
        .offset(bindparam("b_offset"))
        .with_for_update(skip_locked=True)
    )


_DUE = _due_query()
_DUE_ORDER = ("b_due_by", "b_lease_by", "b_limit", "b_offset")


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
    connection = await session.connection()
    utc = utc_binder(connection.dialect)
    rows = await fetch_all(session, _DUE, _DUE_ORDER, (utc(now), utc(now), limit, 0))
    if not rows:
        return []
    read = _ClaimReader(connection.dialect)
    claimed = [read(row) for row in rows]
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


class _ClaimReader:
    """A claimed row as the driver hands it back → ClaimedCheck, converting only the columns
    the driver leaves as stored (the slot's datetime, JSON documents, booleans)."""

    def __init__(self, dialect: Dialect) -> None:
        self.utc = utc_reader(dialect)
        self.json = json_reader(dialect)
        readers = {name: self.json for name in _JSON_SETTINGS}
        readers |= {name: bool for name in _BOOLEAN_SETTINGS}
        self.conversions = [
            (position, readers[name])
            for position, name in enumerate(CHECK_SETTING_NAMES)
            if name in readers
        ]

    def __call__(self, row: Sequence[Any]) -> ClaimedCheck:
        service_id, region_code, url, basic_auth, due_at = row[:_SETTINGS_START]
        values = list(row[_SETTINGS_START:])
        for position, read in self.conversions:
            values[position] = read(values[position])
        auth = _basic_auth(self.json(basic_auth))
        slot = self.utc(due_at)
        assert slot is not None  # next_check_at is NOT NULL
        return ClaimedCheck(service_id, region_code, url, auth, slot, CheckSettings(*values))


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


# Where each sample's numbers go in a rollup row (`_HOUR_ORDER`).
_PROBES_AT = _HOUR_ORDER.index("probes")
_LATENCY_SUM_AT = _HOUR_ORDER.index("latency_sum_ms")
_LATENCY_MAX_AT = _HOUR_ORDER.index("latency_max_ms")
_REASON_AT = {reason: _HOUR_ORDER.index(column) for reason, column in _REASON_COLUMN.items()}
_NO_COUNTS = (0,) * (len(_HOUR_ORDER) - 2)
_HOUR = timedelta(hours=1)
_NO_HOUR = datetime.min.replace(tzinfo=UTC)  # an empty span: no sample falls in it


def _hourly_rows(samples: Sequence[Sample]) -> list[list[Any]]:
    """Each service's counts per hour, as rows in `_HOUR_ORDER` (the hour not yet bound)."""
    rows: dict[tuple[int, datetime], list[Any]] = {}
    # A batch's samples nearly all fall in one hour: two comparisons instead of truncating
    # each. Kept for UTC samples only, whose hours are an hour long and truncate alike.
    known, known_ends = _NO_HOUR, _NO_HOUR
    for s in samples:
        at = s.at
        if at.tzinfo is UTC and known <= at < known_ends:
            hour = known
        else:
            hour = at.replace(minute=0, second=0, microsecond=0)
            if at.tzinfo is UTC:
                known, known_ends = hour, hour + _HOUR
        row = rows.get((s.service_id, hour))
        if row is None:
            row = rows[(s.service_id, hour)] = [s.service_id, hour, *_NO_COUNTS]
        row[_PROBES_AT] += 1
        row[_REASON_AT[s.reason]] += 1
        row[_LATENCY_SUM_AT] += s.latency_ms
        if s.latency_ms > row[_LATENCY_MAX_AT]:
            row[_LATENCY_MAX_AT] = s.latency_ms
    return list(rows.values())


def _hourly(samples: Sequence[Sample]) -> list[dict[str, Any]]:
    """The same rollups by column name (bench/inserts.py reads them so)."""
    return [dict(zip(_HOUR_ORDER, row, strict=True)) for row in _hourly_rows(samples)]


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
    rows = _hourly_rows(samples)
    bound_hours: dict[datetime, Any] = {}  # a batch spans an hour or two: bind each once
    for row in rows:
        hour = row[1]
        bound = bound_hours.get(hour)
        if bound is None:
            bound = bound_hours[hour] = utc(hour)
        row[1] = bound
    await execute_many(session, upsert, _HOUR_ORDER, [tuple(row) for row in rows])


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
