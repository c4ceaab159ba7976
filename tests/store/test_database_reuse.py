"""The test databases handed from test to test (tests/support/databases.py) come back as fresh
as a new copy of the template. SQLite: a new file, nothing left beside it. PostgreSQL: rows gone,
sequences back at their start, other connections ended, and a changed registry or schema
replaced by a new clone."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import POSTGRES_URL, SKIP_POSTGRES
from tests.support.databases import ReusedDatabase, restore_sqlite

POSTGRES = pytest.mark.skipif(SKIP_POSTGRES, reason="PANTAU_TEST_SKIP_POSTGRES=1")
AUDIT = (
    "INSERT INTO audit_entry (action, target_id, target_type, at, actor)"
    " VALUES ('create', '1', 'service', now(), 'admin') RETURNING id"
)


def test_a_restored_sqlite_file_is_a_new_copy_of_the_template(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "pantau.db"
    restore_sqlite(sqlite_template, path)
    held = sqlite3.connect(path)  # left open, as a killed process or a leaked connection would
    held.execute("PRAGMA journal_mode=WAL")
    held.execute("UPDATE region SET name = 'changed'")
    held.commit()
    assert path.with_name("pantau.db-wal").exists()
    inode = path.stat().st_ino

    restore_sqlite(sqlite_template, path)

    assert path.stat().st_ino != inode
    assert not path.with_name("pantau.db-wal").exists()
    assert path.read_bytes() == sqlite_template.read_bytes()
    held.execute("UPDATE region SET name = 'later'")  # lands in the old, removed file
    held.commit()
    held.close()
    assert path.read_bytes() == sqlite_template.read_bytes()


@pytest.fixture(scope="module")
def reused(postgres_template: str) -> Iterator[ReusedDatabase]:
    database = ReusedDatabase(POSTGRES_URL, postgres_template)
    yield database
    database.drop()


def query(database: ReusedDatabase, sql: str) -> Any:
    async def run() -> Any:
        connection = await asyncpg.connect(database.url())
        try:
            return await connection.fetchval(sql)
        finally:
            await connection.close()

    return asyncio.run(run())


@POSTGRES
def test_rows_and_sequences_are_reset_without_a_new_clone(reused: ReusedDatabase) -> None:
    reused.take()
    regions = query(reused, "SELECT count(*) FROM region")
    assert regions > 500
    assert query(reused, AUDIT) == 1
    assert query(reused, AUDIT) == 2
    clones = reused.clones

    reused.take()

    assert query(reused, "SELECT count(*) FROM audit_entry") == 0
    assert query(reused, AUDIT) == 1  # the sequence starts again
    assert query(reused, "SELECT count(*) FROM region") == regions
    assert query(reused, "SELECT version_num FROM alembic_version") is not None
    assert reused.clones == clones


@POSTGRES
def test_a_connection_left_in_a_transaction_is_ended(reused: ReusedDatabase) -> None:
    async def hold_a_lock_then_take() -> None:
        leftover = await asyncpg.connect(reused.url())
        transaction = leftover.transaction()
        await transaction.start()
        await leftover.execute(AUDIT)  # holds a lock TRUNCATE needs, until it ends
        try:
            await asyncio.to_thread(reused.take)
            assert leftover.is_closed() or not await _alive(leftover)
        finally:
            leftover.terminate()

    reused.take()
    asyncio.run(hold_a_lock_then_take())
    assert query(reused, "SELECT count(*) FROM audit_entry") == 0


async def _alive(connection: asyncpg.Connection) -> bool:
    try:
        await connection.fetchval("SELECT 1")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError):
        return False
    return True


@POSTGRES
@pytest.mark.parametrize(
    "change",
    [
        "UPDATE region SET name = 'Kota Palopo Baru' WHERE code = '73.73'",
        "CREATE TABLE leftover (id integer)",
        "ALTER TABLE service ADD COLUMN leftover integer",
    ],
)
def test_what_emptying_cannot_undo_gets_a_new_clone(reused: ReusedDatabase, change: str) -> None:
    reused.take()
    pristine_name = query(reused, "SELECT name FROM region WHERE code = '73.73'")
    pristine_version = query(reused, "SELECT version_num FROM alembic_version")
    query(reused, change)
    clones = reused.clones

    reused.take()

    assert reused.clones == clones + 1
    assert query(reused, "SELECT name FROM region WHERE code = '73.73'") == pristine_name
    assert query(reused, "SELECT version_num FROM alembic_version") == pristine_version
    assert query(reused, "SELECT to_regclass('leftover') IS NULL")
    columns = "SELECT count(*) FROM information_schema.columns WHERE column_name = 'leftover'"
    assert query(reused, columns) == 0
