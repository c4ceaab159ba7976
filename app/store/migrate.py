"""Schema upgrades through Alembic, then the region registry import: what `pantau db upgrade`
and the container's start do."""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from app.settings import Settings
from app.store.db import Database
from app.store.regions import import_regions

# app/store/migrate.py → the project root, where alembic.ini and migrations/ live.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_BEHIND = "schema not at head: run `pantau db upgrade`"


def alembic_config(settings: Settings) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["settings"] = settings
    config.attributes["configure_logging"] = False
    return config


def upgrade_schema(settings: Settings, revision: str = "head") -> None:
    """Blocking (Alembic drives its own event loop): call it outside a running loop."""
    command.upgrade(alembic_config(settings), revision)


def downgrade_schema(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings), revision)


async def import_registry(settings: Settings) -> int:
    database = Database(settings)
    try:
        async with database.transaction() as session:
            return await import_regions(session)
    finally:
        await database.dispose()


def upgrade(settings: Settings) -> int:
    """Migrate to head and load the region registry; returns regions changed."""
    upgrade_schema(settings)
    return asyncio.run(import_registry(settings))


@cache
def script_heads() -> frozenset[str]:
    """The revisions `pantau db upgrade` would bring a database to."""
    return frozenset(ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_heads())


def _database_revisions(connection: Connection) -> frozenset[str]:
    # Empty (no alembic_version table) for a database never migrated.
    return frozenset(MigrationContext.configure(connection).get_current_heads())


async def schema_is_current(database: Database) -> bool:
    """Whether the database is at the scripts' head; driver errors propagate (unreachable)."""
    async with database.reader.connect() as connection:
        return await connection.run_sync(_database_revisions) == script_heads()


class SchemaCheck:
    """Readiness's schema question. A yes is kept, since a schema does not move back under a
    running service, so /readyz stays one `SELECT 1`; a no is asked again, so an upgrade run
    while the service waits is seen."""

    def __init__(self) -> None:
        self.is_current = False

    async def __call__(self, database: Database) -> bool:
        if not self.is_current:
            self.is_current = await schema_is_current(database)
        return self.is_current
