"""Batched writes and reads through the driver: the checker's hot statements run for every
probe, and SQLAlchemy's per-row parameter processing (a dict per row, keyed lookups, bind
processors) was about 40 % of their Python cost, its result processing (rows read by name, a
type processor per column) about half of reading the rows back. A statement is compiled once per
dialect; rows come as plain tuples in the statement's parameter order and go to the DBAPI's
executemany as they are, and rows read come back as the driver gives them, for the caller to
convert only the columns that need it (`utc_reader`, `json_reader`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel.ext.asyncio.session import AsyncSession

from app.store.types import JSONDocument, UTCDateTime

_COMPILED: dict[tuple[int, str], tuple[str, tuple[str, ...]]] = {}


def compiled(statement: ClauseElement, dialect: Dialect, order: tuple[str, ...]) -> str:
    """The statement's SQL for `dialect`, once its bound parameters are known to be `order`
    in position. Keyed by the statement's identity: callers pass statements built once."""
    key = (id(statement), dialect.name)
    found = _COMPILED.get(key)
    if found is None:
        done = _compiler(statement, dialect)
        names = tuple(done.positiontup or ())
        if names != order:
            raise ValueError(f"{dialect.name} binds {names}, rows are in {order} order")
        found = _COMPILED[key] = (done.string, names)
    elif found[1] != order:
        raise ValueError(f"{dialect.name} binds {found[1]}, rows are in {order} order")
    return found[0]


def _compiler(statement: ClauseElement, dialect: Dialect) -> SQLCompiler:
    key = (id(statement), dialect.name)
    found = _COMPILERS.get(key)
    if found is None:
        found = _COMPILERS[key] = cast(SQLCompiler, statement.compile(dialect=dialect))
    return found


_COMPILERS: dict[tuple[int, str], SQLCompiler] = {}


def _expanded(statement: ClauseElement, dialect: Dialect, name: str, count: int) -> str:
    """`statement`, whose only bound parameter is the expanding `name`, for `count` values;
    kept per count (callers bound it: a batch's size)."""
    key = (id(statement), dialect.name, count)
    found = _EXPANDED.get(key)
    if found is None:
        found = _EXPANDED[key] = _expand(statement, dialect, name, count)
    return found


_EXPANDED: dict[tuple[int, str, int], str] = {}


def _expand(statement: ClauseElement, dialect: Dialect, name: str, count: int) -> str:
    done = _compiler(statement, dialect)
    if tuple(done.positiontup or ()) != (name,):
        raise ValueError(f"{dialect.name} binds {done.positiontup}, not only {name}")
    expanded = done.construct_expanded_state({name: list(range(count))})
    if expanded.positional_parameters != tuple(range(count)):
        raise ValueError(f"{dialect.name} binds {name}'s values in another order")
    return expanded.statement


async def fetch_all(
    session: AsyncSession, statement: ClauseElement, order: tuple[str, ...], row: tuple[Any, ...]
) -> Sequence[Sequence[Any]]:
    """The rows `statement` selects, its parameters in `order` (bound as `execute_many`'s),
    each row as the driver hands it back: no column's result processor has run."""
    connection = await session.connection()
    sql = compiled(statement, connection.dialect, order)
    return (await connection.exec_driver_sql(sql, row)).all()


async def fetch_all_in(
    session: AsyncSession, statement: ClauseElement, name: str, values: Sequence[Any]
) -> Sequence[Sequence[Any]]:
    """`fetch_all` for a statement whose only parameter is the expanding list `name`. The SQL
    for each number of values is kept (a batch's size varies, its statement does not)."""
    if not values:
        return []
    connection = await session.connection()
    sql = _expanded(statement, connection.dialect, name, len(values))
    return (await connection.exec_driver_sql(sql, tuple(values))).all()


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


def utc_reader(dialect: Dialect) -> Callable[[Any], datetime | None]:
    """How UTCDateTime reads a value the driver gave back on `dialect`: its own result
    processor (SQLite's text parsed, aware UTC either way)."""
    reader = _READERS.get(dialect.name)
    if reader is None:
        processor = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
        reader = _READERS[dialect.name] = processor or _as_is
    return reader


def json_reader(dialect: Dialect) -> Callable[[Any], Any]:
    """How a JSON document column reads a value the driver gave back on `dialect` (SQLite's
    text parsed; asyncpg's codec has already decoded it)."""
    reader = _JSON_READERS.get(dialect.name)
    if reader is None:
        processor = JSONDocument.dialect_impl(dialect).result_processor(dialect, None)
        reader = _JSON_READERS[dialect.name] = _null_unparsed(processor) if processor else _as_is
    return reader


def _null_unparsed(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # An unset document is stored as JSON `null` (the column's default none_as_null=False),
    # and most services leave theirs unset: no parse for what can only read as None.
    def read(value: Any) -> Any:
        return None if value is None or value == "null" else parse(value)

    return read


_READERS: dict[str, Callable[[Any], datetime | None]] = {}
_JSON_READERS: dict[str, Callable[[Any], Any]] = {}


def _as_is(value: datetime | None) -> Any:
    return value
