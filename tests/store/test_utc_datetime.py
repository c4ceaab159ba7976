"""UTCDateTime on SQLite: the one-step bind writes exactly the text SQLAlchemy's own chain
(UTC conversion, then SQLite DATETIME's storage format) wrote, and reads back the instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import create_async_engine

from app.store.types import UTCDateTime

JAKARTA = timezone(timedelta(hours=7))
INSTANTS = [
    datetime(2026, 12, 4, 20, 50, 1, 123456, tzinfo=UTC),
    datetime(2026, 12, 4, 20, 50, 1, tzinfo=UTC),  # no microseconds: still six digits
    datetime(2026, 1, 1, 3, 0, 0, 5, tzinfo=JAKARTA),  # the previous day in UTC
    datetime(999, 5, 6, 7, 8, 9, 10, tzinfo=UTC),  # a three-digit year, zero-padded
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


def _chain(value: datetime | None) -> str | None:
    """What SQLAlchemy's TypeDecorator chain binds: ours, then the impl's processor."""
    dialect = sqlite.dialect()
    column_type = UTCDateTime()
    impl = column_type.impl_instance.dialect_impl(dialect).bind_processor(dialect)
    assert impl is not None
    return impl(column_type.process_bind_param(value, dialect))  # type: ignore[no-any-return]


@pytest.mark.parametrize("value", [*INSTANTS, None])
def test_the_bound_text_is_the_chains(value: datetime | None) -> None:
    dialect = sqlite.dialect()
    bind = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert bind is not None
    assert bind(value) == _chain(value)


def test_a_naive_datetime_is_refused() -> None:
    dialect = sqlite.dialect()
    bind = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert bind is not None
    with pytest.raises(ValueError, match="naive"):
        bind(datetime(2026, 12, 4, 20, 50))


async def test_instants_round_trip_through_sqlite() -> None:
    table = Table(
        "t", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime())
    )
    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(table.metadata.create_all)
            await connection.execute(table.insert(), [{"at": at} for at in INSTANTS])
            read = (await connection.execute(select(table.c.at).order_by(table.c.id))).scalars()
            assert list(read) == INSTANTS
    finally:
        await engine.dispose()
