"""Revision 0008 on a database with subscriptions: they keep receiving every member's
events (coalesce_waves false), while new ones coalesce by default."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import text

from app.settings import Settings
from app.store.db import make_engine
from app.store.migrate import upgrade_schema
from tests.conftest import BACKENDS, make_settings


async def _execute(settings: Settings, sql: str, **values: object) -> list[object]:
    engine = make_engine(settings)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(sql), values)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


@pytest.mark.parametrize("fresh_database_url", BACKENDS, indirect=True)
def test_existing_subscriptions_do_not_coalesce(fresh_database_url: str) -> None:
    settings = make_settings(fresh_database_url)
    upgrade_schema(settings, "0007")
    asyncio.run(
        _execute(
            settings,
            "INSERT INTO subscription (url, description, event_types, region_prefixes,"
            " categories, is_active, secret, created_at, updated_at) VALUES"
            " ('http://127.0.0.1:9/hook', '', '[]', '[]', '[]', true, 'whsec_x', :t, :t)",
            t=datetime(2026, 1, 1),
        )
    )
    upgrade_schema(settings)
    rows = asyncio.run(_execute(settings, "SELECT coalesce_waves FROM subscription"))
    assert [bool(row[0]) for row in rows] == [False]  # type: ignore[index]
