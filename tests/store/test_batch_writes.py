"""The checker's batched writes go to the driver as plain tuples, and its hot reads come back
from it unprocessed (app/store/batch.py): the rows stored must be the ones SQLAlchemy's own
parameter processing stored, and the values read the ones its result processing read, on
both engines."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from app.core.domain import Reason, State
from app.core.evaluate import Sample
from app.core.state_machine import CheckState, Thresholds
from app.store.batch import compiled, fetch_all_in, json_reader, utc_binder, utc_reader
from app.store.check_states import StoredCheckState, check_state_of, load_check_states
from app.store.checks import _MOVE_SLOT, _hourly, check_now, claim_due
from app.store.db import Database
from app.store.models import Service
from app.store.types import UTCDateTime
from app.usecases.record_checks import Signals, record_checks
from tests.factories import T0, add_service, check_record

JAKARTA = timezone(timedelta(hours=7))


async def test_rows_written_through_the_driver_hold_what_the_columns_bind(
    database: Database,
) -> None:
    sid = await add_service(database, interval_seconds=60, failure_threshold=1, success_threshold=1)
    claimed_at = (T0 + timedelta(seconds=1, microseconds=250)).astimezone(JAKARTA)
    probed_at = (T0 + timedelta(seconds=2, microseconds=7)).astimezone(JAKARTA)
    async with database.transaction() as session:
        await claim_due(session, now=claimed_at, limit=10, lease_seconds=30)
    async with database.transaction() as session:
        records = [
            check_record(sid, Reason.NETWORK_TIMEOUT, probed_at),
            check_record(sid, Reason.OK, probed_at + timedelta(seconds=1)),
        ]
        await record_checks(session, records, signals=Signals())
    async with database.read() as session:
        connection = await session.connection()
        dialect = connection.dialect
        # Read as the driver hands them back: SQLite's stored text, PostgreSQL's instants.
        service = (
            await connection.exec_driver_sql(
                "SELECT next_check_at, lease_expires_at, last_checked_at, state, reason,"
                f" consecutive_successes, sequence FROM service WHERE id = {sid}"
            )
        ).one()
        samples = (
            await connection.exec_driver_sql(
                "SELECT at, latency_ms, status_code, reason FROM probe_sample"
                f" WHERE service_id = {sid} ORDER BY id"
            )
        ).all()
        hours = (
            await connection.exec_driver_sql(
                "SELECT hour, probes, ok, network, latency_sum_ms, latency_max_ms"
                f" FROM service_hour WHERE service_id = {sid}"
            )
        ).all()
    bind = UTCDateTime().dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    after = probed_at + timedelta(seconds=1)
    assert tuple(service) == (
        bind(T0 + timedelta(seconds=60)),
        None,  # the recording frees the lease
        bind(after),
        State.OPERATIONAL.value,
        Reason.OK.value,
        1,
        1,  # one batch: both probes judged against the stored state, the last one kept
    )
    assert [tuple(s) for s in samples] == [
        (bind(probed_at), 12.5, None, Reason.NETWORK_TIMEOUT.value),
        (bind(after), 12.5, 200, Reason.OK.value),
    ]
    hour = probed_at.replace(minute=0, second=0, microsecond=0)
    assert [tuple(h) for h in hours] == [(bind(hour), 2, 1, 1, 25.0, 12.5)]


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.asyncpg.dialect()])
def test_rows_in_another_order_than_the_statement_binds_are_refused(dialect: object) -> None:
    with pytest.raises(ValueError, match="order"):
        compiled(_MOVE_SLOT, dialect, ("b_id", "b_next", "b_lease"))  # type: ignore[arg-type]
    assert "?" in compiled(_MOVE_SLOT, sqlite.dialect(), ("b_next", "b_lease", "b_id"))


def test_datetimes_are_bound_as_the_column_binds_them() -> None:
    at = (T0 + timedelta(microseconds=5)).astimezone(JAKARTA)
    assert utc_binder(sqlite.dialect())(at) == "2026-11-29 08:00:00.000005"
    assert utc_binder(postgresql.asyncpg.dialect())(at) == T0 + timedelta(microseconds=5)
    assert utc_binder(sqlite.dialect())(None) is None


async def test_claimed_rows_read_through_the_driver_are_what_the_orm_reads(
    database: Database,
) -> None:
    """Every setting a claim reads (JSON documents, booleans, floats, the slot) as the
    console's "check now" builds it from the ORM's row."""
    spec = {
        "basic_auth": {"username": "siak", "password": "rahasia"},
        "method": "HEAD",
        "interval_seconds": 30,
        "timeout_seconds": 2.5,
        "degraded_latency_ms": None,
        "expected_status": 204,
        "body_contains": "OK",
        "policy_markers": ["dicabut", "ditutup"],
        "cutoff_markers": [],
        "follow_redirects": True,
    }
    plain = await add_service(database)
    configured = await add_service(database, **spec)
    async with database.transaction() as session:
        claimed = await claim_due(session, now=T0, limit=10, lease_seconds=30)
    async with database.read() as session:
        services = [await session.get(Service, sid) for sid in (plain, configured)]
    assert [c.service_id for c in claimed] == [plain, configured]
    for check, service in zip(claimed, services, strict=True):
        assert service is not None
        assert check == check_now(service, now=T0)
    assert claimed[1].settings.follow_redirects is True
    assert claimed[0].settings.follow_redirects is False
    assert claimed[1].basic_auth == ("siak", "rahasia")
    assert claimed[0].basic_auth is None and claimed[0].settings.policy_markers is None


async def test_check_states_read_through_the_driver_are_what_the_orm_reads(
    database: Database,
) -> None:
    since = (T0 - timedelta(minutes=5, microseconds=3)).astimezone(JAKARTA)
    down = await add_service(
        database,
        failure_threshold=3,
        success_threshold=2,
        state=State.OUTAGE,
        reason=Reason.NETWORK_TIMEOUT,
        state_changed_at=since,
        consecutive_failures=4,
        streak_reason=Reason.NETWORK_TIMEOUT,
        reason_streak=4,
        failure_signature="network.timeout:deadline",
        failure_since=since,
        sequence=7,
    )
    fresh = await add_service(database)
    async with database.transaction() as session:
        stored = await load_check_states(session, [fresh, down, fresh])
    async with database.read() as session:
        rows = {sid: await session.get(Service, sid) for sid in (down, fresh)}
    assert list(stored) == sorted([down, fresh])
    for sid, service in rows.items():
        assert service is not None
        assert stored[sid] == StoredCheckState(
            sid,
            service.region_code,
            Thresholds(service.failure_threshold, service.success_threshold),
            check_state_of(service),
            service.state_changed_at,
            service.sequence,
            service.failure_signature,
            service.failure_since,
        )
    assert stored[down].state == CheckState(
        State.OUTAGE, Reason.NETWORK_TIMEOUT, 4, 0, Reason.NETWORK_TIMEOUT, 4
    )
    assert stored[down].failure_since == since
    assert stored[fresh].state == CheckState() and stored[fresh].state_changed_at is None


async def test_a_list_of_any_length_is_read_in_one_statement(database: Database) -> None:
    ids = [await add_service(database) for _ in range(3)]
    statement = select(Service.__table__.c.id).where(  # type: ignore[attr-defined]
        Service.__table__.c.id.in_(bindparam("b_ids", expanding=True))  # type: ignore[attr-defined]
    )
    async with database.read() as session:
        for count in (1, 3, 2):
            rows = await fetch_all_in(session, statement, "b_ids", ids[:count])
            assert sorted(row[0] for row in rows) == ids[:count]
        assert await fetch_all_in(session, statement, "b_ids", []) == []


def test_values_are_read_as_the_columns_read_them() -> None:
    text = "2026-11-29 08:00:00.000005"
    assert utc_reader(sqlite.dialect())(text) == T0 + timedelta(microseconds=5)
    assert utc_reader(sqlite.dialect())(None) is None
    assert utc_reader(postgresql.asyncpg.dialect())(T0.astimezone(JAKARTA)).tzinfo is UTC
    read_json = json_reader(sqlite.dialect())
    assert [read_json(v) for v in (None, "null", '["a"]', '{"b": 1}')] == [
        None,
        None,
        ["a"],
        {"b": 1},
    ]
    assert json_reader(postgresql.asyncpg.dialect())(["a"]) == ["a"]  # asyncpg decoded it


def test_hourly_rollups_count_each_service_and_hour() -> None:
    reasons = [Reason.OK, Reason.NETWORK_TIMEOUT, Reason.OK, Reason.POLICY_SUSPECTED]
    # The checker's samples are UTC; others truncate to their own zone's hour (Kolkata's
    # hours start at half past, UTC).
    zones = [UTC, UTC, UTC, timezone(timedelta(hours=5, minutes=30))]
    samples = [
        Sample(
            service_id,
            (T0 + timedelta(minutes=25 * i)).astimezone(zones[(i + service_id) % 4]),
            10.0 + i,
            200,
            reasons[i % 4],
        )
        for i in range(8)
        for service_id in (1, 2)
    ]
    expected: dict[tuple[int, object], dict[str, object]] = {}
    for s in samples:
        hour = s.at.replace(minute=0, second=0, microsecond=0)
        row = expected.setdefault(
            (s.service_id, hour),
            {"service_id": s.service_id, "hour": hour, "probes": 0, "latency_sum_ms": 0.0},
        )
        row["probes"] += 1  # type: ignore[operator]
        row["latency_sum_ms"] += s.latency_ms  # type: ignore[operator]
        row["latency_max_ms"] = max(row.get("latency_max_ms", 0), s.latency_ms)  # type: ignore[call-overload]
        column = {"ok": "ok", "network": "network", "policy": "policy"}[s.reason.category]
        row[column] = row.get(column, 0) + 1  # type: ignore[operator]
    found = _hourly(samples)
    assert len(found) == len(expected)
    for row in found:
        wanted = expected[(row["service_id"], row["hour"])]
        assert {k: v for k, v in row.items() if v or k in wanted} == wanted
