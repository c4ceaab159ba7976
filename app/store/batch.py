"""Batched writes through the driver: the checker's hot statements run for every probe, and
SQLAlchemy's per-row parameter processing (a dict per row, keyed lookups, bind processors) was
about 40 % of their Python cost. A statement is compiled once per dialect; rows come as plain
tuples in the statement's parameter order and go to the DBAPI's executemany as they are."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel.ext.asyncio.session import AsyncSession

from app.store.types import UTCDateTime

_COMPILED: dict[tuple[int, str], tuple[str, tuple[str, ...]]] = {}


def compiled(statement: ClauseElement, dialect: Dialect, order: tuple[str, ...]) -> str:
    """The statement's SQL for `dialect`, once its bound parameters are known to be `order`
    in position. Keyed by the statement's identity: callers pass statements built once."""
    key = (id(statement), dialect.name)
    found = _COMPILED.get(key)
    if found is None:
        done = cast(SQLCompiler, statement.compile(dialect=dialect))
        names = tuple(done.positiontup or ())
        if names != order:
            raise ValueError(f"{dialect.name} binds {names}, rows are in {order} order")
        found = _COMPILED[key] = (done.string, names)
    elif found[1] != order:
        raise ValueError(f"{dialect.name} binds {found[1]}, rows are in {order} order")
    return found[0]


async def execute_many(
    session: AsyncSession,
    statement: ClauseElement,
    order: tuple[str, ...],
    rows: list[tuple[Any, ...]],
) -> None:
    """Runs `statement` once per row; each row holds its parameters in `order`, already
    bound as their columns bind them (datetimes through `utc_binder`)."""
    if not rows:
        return
    connection = await session.connection()
    await connection.exec_driver_sql(compiled(statement, connection.dialect, order), rows)


def utc_binder(dialect: Dialect) -> Callable[[datetime | None], Any]:
    """How UTCDateTime binds on `dialect` (app/store/types.py), for rows bound by hand: its
    own bind processor, so SQLite stores the same text and asyncpg gets aware UTC datetimes."""
    binder = _BINDERS.get(dialect.name)
    if binder is None:
        binder = _BINDERS[dialect.name] = UTCDateTime().bind_processor(dialect) or _as_is
    return binder


_BINDERS: dict[str, Callable[[datetime | None], Any]] = {}


def _as_is(value: datetime | None) -> Any:
    return value
