"""The models and the migrations agree, and the chain goes up and down cleanly, on both engines."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import app.store.tables  # noqa: F401 - the full metadata
from app.db import make_engine
from app.migrate import downgrade_schema, upgrade_schema
from app.settings import Settings
from tests.conftest import BACKENDS, make_settings


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def _inspect(settings: Settings) -> tuple[list[object], set[str]]:
    engine = make_engine(settings)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_diff), await connection.run_sync(_tables)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("fresh_database_url", BACKENDS, indirect=True)
def test_upgrade_matches_models_and_round_trips(fresh_database_url: str) -> None:
    settings = make_settings(fresh_database_url)

    upgrade_schema(settings)
    diff, tables = asyncio.run(_inspect(settings))
    assert diff == []
    assert tables == set(SQLModel.metadata.tables)

    downgrade_schema(settings, "base")
    _, tables = asyncio.run(_inspect(settings))
    assert tables == set()

    upgrade_schema(settings)
    diff, tables = asyncio.run(_inspect(settings))
    assert diff == []
    assert tables == set(SQLModel.metadata.tables)
