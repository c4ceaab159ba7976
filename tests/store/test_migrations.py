"""The models and the migrations agree, and the chain goes up and down cleanly, on both engines."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import app.store.tables  # noqa: F401 - the full metadata
from app.settings import Settings
from app.store.db import make_engine
from app.store.migrate import downgrade_schema, upgrade_schema
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


async def _seed_history(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO region (code, name, level)"
                    " VALUES ('73', 'Sulawesi Selatan', 'province')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO service (id, region_code, name, url, method, interval_seconds,"
                    " timeout_seconds, failure_threshold, success_threshold, expected_status,"
                    " follow_redirects, is_paused, state, consecutive_failures,"
                    " consecutive_successes, sequence, next_check_at, created_at, updated_at)"
                    " VALUES (1, '73', 's', 'http://127.0.0.1/', 'GET', 60, 10, 3, 2, 200,"
                    " false, false, 'unknown', 0, 0, 0, :t, :t, :t)"
                ),
                {"t": datetime(2026, 1, 1)},
            )
            await connection.execute(
                text(
                    "INSERT INTO transition (service_id, region_code, from_state, to_state,"
                    " reason, source, at, evidence) VALUES (1, '73', 'unknown', 'outage',"
                    " 'network.timeout', 'probe', :t, '{}')"
                ),
                {"t": datetime(2026, 1, 1)},
            )
    finally:
        await engine.dispose()


async def _service_ids_of_transitions(settings: Settings) -> list[object]:
    engine = make_engine(settings)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT service_id FROM transition"))
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("fresh_database_url", BACKENDS, indirect=True)
def test_downgrading_through_table_rebuilds_keeps_history(fresh_database_url: str) -> None:
    settings = make_settings(fresh_database_url)
    upgrade_schema(settings, "0002")
    asyncio.run(_seed_history(settings))
    downgrade_schema(settings, "0001")
    assert asyncio.run(_service_ids_of_transitions(settings)) == [1]


async def _seed_service(settings: Settings, url: str) -> None:
    engine = make_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO region (code, name, level) VALUES ('73', 'Sulsel', 'province')")
            )
            await connection.execute(
                text(
                    "INSERT INTO service (id, region_code, name, url, method, interval_seconds,"
                    " timeout_seconds, failure_threshold, success_threshold, expected_status,"
                    " follow_redirects, is_paused, state, consecutive_failures,"
                    " consecutive_successes, sequence, next_check_at, created_at, updated_at)"
                    " VALUES (1, '73', 's', :url, 'GET', 60, 10, 3, 2, 200,"
                    " false, false, 'unknown', 0, 0, 0, :t, :t, :t)"
                ),
                {"url": url, "t": datetime(2026, 1, 1)},
            )
    finally:
        await engine.dispose()


async def _service_url_and_auth(settings: Settings, *, with_auth: bool) -> tuple[object, ...]:
    engine = make_engine(settings)
    columns = "url, basic_auth" if with_auth else "url"
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(text(f"SELECT {columns} FROM service"))).one()
            values = tuple(row)
    finally:
        await engine.dispose()
    if with_auth and isinstance(values[1], str):  # SQLite hands JSON back as text here
        values = (values[0], json.loads(values[1]))
    return values


@pytest.mark.parametrize("fresh_database_url", BACKENDS, indirect=True)
def test_credentials_in_stored_urls_move_to_basic_auth_and_back(fresh_database_url: str) -> None:
    settings = make_settings(fresh_database_url)
    upgrade_schema(settings, "0006")
    asyncio.run(_seed_service(settings, "http://probe:p%40ss@127.0.0.1:81/h?k=1"))

    upgrade_schema(settings, "0007")
    assert asyncio.run(_service_url_and_auth(settings, with_auth=True)) == (
        "http://127.0.0.1:81/h?k=1",
        {"username": "probe", "password": "p@ss"},
    )
    downgrade_schema(settings, "0006")
    assert asyncio.run(_service_url_and_auth(settings, with_auth=False)) == (
        "http://probe:p%40ss@127.0.0.1:81/h?k=1",
    )
