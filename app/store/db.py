"""Engines and sessions. SQLite gets WAL, a busy timeout and one writer connection whose
transactions begin IMMEDIATE (a deferred read that later writes is what raises "database is
locked"); PostgreSQL gets one pooled engine for both roles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.settings import Settings


def _configure_sqlite(
    engine: AsyncEngine, *, begin: str, busy_timeout_ms: int, foreign_keys: bool = True
) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so our BEGIN below is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


def make_engine(
    settings: Settings, *, writer: bool = False, foreign_keys: bool = True
) -> AsyncEngine:
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            # One writer connection: writers queue in the pool instead of fighting for the lock.
            pool_size=1 if writer else 5,
            max_overflow=0,
            pool_timeout=60,
        )
        _configure_sqlite(
            engine,
            begin="BEGIN IMMEDIATE" if writer else "BEGIN",
            busy_timeout_ms=round(settings.sqlite_busy_timeout_seconds * 1000),
            foreign_keys=foreign_keys,
        )
        return engine
    return create_async_engine(
        settings.database_url, pool_size=10, max_overflow=10, pool_pre_ping=True
    )


SETTINGS = "pantau.settings"  # the key of the settings in a write session's `info`


class Database:
    """The process's database handles, kept on `app.state` and handed to every stage."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.reader = make_engine(settings)
        self.writer = make_engine(settings, writer=True) if settings.is_sqlite else self.reader
        self._read_sessions = async_sessionmaker(
            self.reader, class_=AsyncSession, expire_on_commit=False
        )
        # Write sessions carry the settings: what a transaction writes may depend on them
        # (the citizens' mail it queues links to PANTAU_PUBLIC_URL).
        self._write_sessions = async_sessionmaker(
            self.writer, class_=AsyncSession, expire_on_commit=False, info={SETTINGS: settings}
        )

    @property
    def dialect(self) -> str:
        return self.reader.dialect.name

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read_sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: committed on success, rolled back on any error."""
        async with self._write_sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.reader.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.reader.dispose()
        if self.writer is not self.reader:
            await self.writer.dispose()
