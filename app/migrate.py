"""Schema upgrades through Alembic, then the region registry import: what `pantau db upgrade`
and the container's start do."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from app.db import Database
from app.settings import Settings
from app.store.regions import import_regions

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
