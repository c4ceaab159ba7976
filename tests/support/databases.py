"""One database per backend and test process (per xdist worker), handed to one test after
another and brought back to the template's state in between.

SQLite: the file (with its -wal and -shm) is removed and the template copied in its place.
One path for every test keeps the tests' settings equal, so they can share an app
(tests/support/apps.py).

PostgreSQL: CREATE DATABASE … TEMPLATE and DROP DATABASE cost one to four seconds a test on a
busy two-core machine (every DROP waits for a forced checkpoint that writes out the last
clone's pages), which made them most of a PostgreSQL test's time. A test sees the same thing
either way: before each test, every other connection to the database is ended, every table the
template held empty is emptied and every sequence set back to the template's value. What
emptying cannot undo — a changed schema (a table, column, constraint, index, type, function,
trigger, schema or extension added, changed or removed) or changed rows in a table the
template filled (the region registry, alembic_version) — is seen by comparing fingerprints,
and the database is then dropped and cloned afresh from the template, as before.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path

import asyncpg

# Everything in the schema that a TRUNCATE leaves alone, by name, so two clones of one template
# compare equal. Columns carry their type, nullability and default.
SCHEMA_FINGERPRINT = """
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
    SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  UNION ALL
    SELECT 'column ' || c.oid::regclass::text || '.' || a.attname || ' '
           || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' '
           || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
    SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' '
           || pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  UNION ALL
    SELECT 'index ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  UNION ALL
    SELECT 'type ' || t.typname || ' ' || coalesce(
        (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
         FROM pg_enum e WHERE e.enumtypid = t.oid), '')
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
    SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname
    FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
    SELECT 'schema ' || nspname FROM pg_namespace
  UNION ALL
    SELECT 'extension ' || extname || ' ' || extversion FROM pg_extension
) AS schema_items(item)
"""

TABLES = """
SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""

SEQUENCES = """
SELECT format('%I.%I', schemaname, sequencename), start_value, last_value FROM pg_sequences
WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
"""

FOREIGN_KEYS = """
SELECT format('%I.%I', cn.nspname, c.relname), format('%I.%I', fn.nspname, f.relname)
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
JOIN pg_class f ON f.oid = k.confrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace
WHERE k.contype = 'f'
"""

OTHER_CONNECTIONS = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


@dataclass
class Baseline:
    """What a fresh clone looks like: its schema's fingerprint, the tables it holds empty (in an
    order that deletes rows before the rows they refer to), the content of those it fills, and
    where each sequence stands."""

    schema: str
    empty_tables: list[str]
    filled_tables: dict[str, str]
    sequences: dict[str, tuple[int, int | None]] = field(default_factory=dict)


async def _content(connection: asyncpg.Connection, table: str) -> str:
    query = f"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {table} t"
    return str(await connection.fetchval(query))


async def _sequences(connection: asyncpg.Connection) -> dict[str, tuple[int, int | None]]:
    return {name: (start, last) for name, start, last in await connection.fetch(SEQUENCES)}


async def _baseline(connection: asyncpg.Connection) -> Baseline:
    schema = str(await connection.fetchval(SCHEMA_FINGERPRINT))
    tables = [table for (table,) in await connection.fetch(TABLES)]
    # Referring tables first; a table referring to itself loses its rows in one statement.
    order = TopologicalSorter({table: set() for table in tables})
    for referring, referred in await connection.fetch(FOREIGN_KEYS):
        if referring != referred:
            order.add(referred, referring)
    empty, filled = [], {}
    for table in order.static_order():  # a cycle between tables raises CycleError: none here
        if await connection.fetchval(f"SELECT EXISTS (SELECT FROM {table})"):
            filled[table] = await _content(connection, table)
        else:
            empty.append(table)
    return Baseline(schema, empty, filled, await _sequences(connection))


class ReusedDatabase:
    """A clone of `template` named for this session, reset before each test that takes it."""

    def __init__(self, admin_url: str, template: str) -> None:
        self.admin_url = admin_url
        self.template = template
        self.name = f"pantau_t_{uuid.uuid4().hex[:12]}"
        self.baseline: Baseline | None = None
        self.clones = 0  # how many times the database was cloned from the template
        self.resets = 0  # how many times it was emptied back instead

    def url(self) -> str:
        return f"{self.admin_url.rsplit('/', 1)[0]}/{self.name}"

    def take(self) -> str:
        """The database, as fresh as a new clone of the template; its asyncpg URL."""
        asyncio.run(self._take())
        return self.url()

    def drop(self) -> None:
        if self.baseline is not None:
            asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.baseline = None

    async def _admin(self, sql: str) -> None:
        connection = await asyncpg.connect(self.admin_url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def _clone(self) -> None:
        await self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        await self._admin(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"')
        connection = await asyncpg.connect(self.url())
        try:
            self.baseline = await _baseline(connection)
        finally:
            await connection.close()
        self.clones += 1

    async def _take(self) -> None:
        if self.baseline is None:
            await self._clone()
            return
        if not await self._reset(self.baseline):
            await self._clone()

    async def _reset(self, baseline: Baseline) -> bool:
        """Empties back to the baseline; False when only a new clone can get back there."""
        connection = await asyncpg.connect(self.url())
        try:
            await connection.execute(OTHER_CONNECTIONS)
            await connection.execute("SET lock_timeout = '10s'")
            if await connection.fetchval(SCHEMA_FINGERPRINT) != baseline.schema:
                return False
            for table, content in baseline.filled_tables.items():
                if await _content(connection, table) != content:
                    return False
            await _empty(connection, baseline.empty_tables)
            await _restore_sequences(connection, baseline.sequences)
        except asyncpg.PostgresError:  # a lock still held, or a filled table refers to these
            return False
        finally:
            await connection.close()
        self.resets += 1
        return True


async def _empty(connection: asyncpg.Connection, tables: list[str]) -> None:
    """DELETE, not TRUNCATE: a test leaves a few rows in a few tables, and TRUNCATE makes new
    files for every table it names (about 0.2 s for all of them) where DELETE of a few rows
    costs milliseconds."""
    if not tables:
        return
    checks = ", ".join(f"EXISTS (SELECT FROM {table})" for table in tables)
    filled = await connection.fetchrow(f"SELECT {checks}")
    assert filled is not None
    doomed = [table for table, has_rows in zip(tables, filled, strict=True) if has_rows]
    if doomed:
        async with connection.transaction():
            for table in doomed:
                await connection.execute(f"DELETE FROM {table}")


async def _restore_sequences(
    connection: asyncpg.Connection, baseline: dict[str, tuple[int, int | None]]
) -> None:
    for name, state in (await _sequences(connection)).items():
        if state != baseline[name]:
            start, last = baseline[name]
            value, called = (start, False) if last is None else (last, True)
            await connection.execute("SELECT setval($1::regclass, $2, $3)", name, value, called)


def restore_sqlite(template: Path, path: Path) -> None:
    """`path` as a fresh copy of `template`: a new file, so nothing still holding the old one
    (a killed process, a leaked connection) can write into it, and no WAL left beside it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(template, path)
