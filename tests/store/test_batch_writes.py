"""The checker's batched writes go to the driver as plain tuples (app/store/batch.py): the rows
stored must be the ones SQLAlchemy's own parameter processing stored, on both engines."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from app.core.domain import Reason, State
from app.store.batch import compiled, utc_binder
from app.store.checks import _MOVE_SLOT, claim_due
from app.store.db import Database
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
