from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from app.store.migrate import downgrade_schema, upgrade_schema
from tests.conftest import BACKENDS, make_settings


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).status_code == 200


async def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    # A port where nothing listens: the service is alive but not ready.
    app = create_app(make_settings("postgresql+asyncpg://postgres@127.0.0.1:9/none"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/healthz")).status_code == 200
            response = await client.get("/readyz")
    assert response.status_code == 503


async def _readyz(settings: Settings) -> httpx.Response:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.get("/readyz")


@pytest.mark.parametrize("fresh_database_url", BACKENDS, indirect=True)
async def test_readyz_is_503_until_the_schema_is_migrated(fresh_database_url: str) -> None:
    settings = make_settings(fresh_database_url)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            before = await client.get("/readyz")
            assert before.status_code == 503
            assert before.json() == {"status": "schema not at head: run `pantau db upgrade`"}
            # An upgrade run while the service waits is seen without a restart.
            await asyncio.to_thread(upgrade_schema, settings)
            assert (await client.get("/readyz")).status_code == 200


async def test_readyz_is_503_one_revision_behind(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "behind.db"
    shutil.copyfile(sqlite_template, path)
    settings = make_settings(f"sqlite+aiosqlite:///{path}")
    assert (await _readyz(settings)).status_code == 200
    await asyncio.to_thread(downgrade_schema, settings, "-1")
    response = await _readyz(settings)
    assert response.status_code == 503
    assert response.json()["status"] == "schema not at head: run `pantau db upgrade`"
