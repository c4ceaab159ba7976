"""Shared fixtures. Every storage and API test runs twice: on SQLite and on PostgreSQL, each
with one database per test process, made from a template migrated once per run and brought
back to the template's state before each test (tests/support/databases.py).

The PostgreSQL leg is skipped only when PANTAU_TEST_SKIP_POSTGRES=1 says so; if the server is
unreachable otherwise, those tests fail rather than vanish.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.settings import Settings
from app.simulator import Simulator
from app.store.db import Database
from app.store.migrate import import_registry, upgrade_schema
from tests.support.apps import SharedApps
from tests.support.databases import ReusedDatabase, restore_sqlite

if TYPE_CHECKING:
    from tests.support.harness import PantauProcess

POSTGRES_URL = os.environ.get(
    "PANTAU_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SKIP_POSTGRES = os.environ.get("PANTAU_TEST_SKIP_POSTGRES") == "1"
ADMIN_TOKEN = "test-admin-token"

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(SKIP_POSTGRES, reason="PANTAU_TEST_SKIP_POSTGRES=1"),
    ),
]


def _asyncpg_url(database: str) -> str:
    base = POSTGRES_URL.rsplit("/", 1)[0]
    return f"{base}/{database}"


def sqlalchemy_postgres_url(database: str) -> str:
    return _asyncpg_url(database).replace("postgresql://", "postgresql+asyncpg://", 1)


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def run_admin(sql: str) -> None:
    asyncio.run(_admin(sql))


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "admin_token": ADMIN_TOKEN,
        "run_checker": False,
        # A background warm-up in every app's lifespan would add its reads to every test
        # and interleave them with the test's own; tests/web/test_web_bars_warmer.py turns it on.
        "warm_status_page": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def _migrate(settings: Settings) -> None:
    upgrade_schema(settings)
    asyncio.run(import_registry(settings))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(make_settings(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    name = f"pantau_tpl_{uuid.uuid4().hex[:10]}"
    run_admin(f'CREATE DATABASE "{name}"')
    try:
        _migrate(make_settings(sqlalchemy_postgres_url(name)))
        yield name
    finally:
        run_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables) on the backend the test is parametrized with."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"pantau_t_{uuid.uuid4().hex[:12]}"
    run_admin(f'CREATE DATABASE "{name}"')
    try:
        yield sqlalchemy_postgres_url(name)
    finally:
        run_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated database holding the region registry, fresh for each test."""
    if request.param == "sqlite":
        path: Path = request.getfixturevalue("sqlite_database")
        restore_sqlite(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    reused: ReusedDatabase = request.getfixturevalue("postgres_database")
    reused.take()
    yield sqlalchemy_postgres_url(reused.name)


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's one SQLite test file, a fresh copy of the template for each test."""
    return tmp_path_factory.mktemp("sqlite") / "pantau.db"


@pytest.fixture(scope="session")
def postgres_database(postgres_template: str) -> Iterator[ReusedDatabase]:
    """The session's one PostgreSQL test database, as fresh as a new clone of the template for
    each test that takes it (tests/support/databases.py): cloning and dropping a database per
    test cost more than most tests."""
    database = ReusedDatabase(POSTGRES_URL, postgres_template)
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    db = Database(settings)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def shared_apps() -> SharedApps:
    return SharedApps()


@pytest.fixture
async def app(settings: Settings, shared_apps: SharedApps) -> AsyncIterator[FastAPI]:
    """The app for these settings, with a lifespan and state of its own for this test; the
    routes are resolved once per process (tests/support/apps.py)."""
    application = shared_apps.take(settings)
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        shared_apps.give_back(application)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pantau.test") as c:
        yield c


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    async with Simulator() as sim:
        yield sim


@pytest.fixture
async def start_pantau(
    database_url: str, tmp_path: Path
) -> AsyncIterator[Callable[..., PantauProcess]]:
    """Builds `pantau serve` processes on this test's database; all are stopped at the end."""
    from tests.support.harness import PantauProcess  # the harness imports this module

    started: list[PantauProcess] = []

    def build(**settings: str) -> PantauProcess:
        process = PantauProcess(database_url, tmp_path / f"pantau-{len(started)}.log", **settings)
        started.append(process)
        return process

    yield build
    for process in started:
        # Killed, not stopped: a test's leftovers need no graceful shutdown, only an end.
        await process.stop(signal.SIGKILL)
