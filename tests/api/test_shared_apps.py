"""The app a test takes (tests/support/apps.py) is as good as a new one: state as create_app
left it, its own lifespan, a fresh OpenAPI document; an app a test changed, or one for other
settings, is another app."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
from fastapi import FastAPI

from app.settings import Settings
from tests.conftest import make_settings
from tests.support.apps import SharedApps

URL = "sqlite+aiosqlite:///unused.db"


def test_a_taken_app_gets_state_as_create_app_left_it() -> None:
    shared = SharedApps()
    first = shared.take(make_settings(URL))
    first.state.settings = first.state.settings.model_copy(update={"cors_origins": ["x"]})
    first.state.schema_check.is_current = True
    first.state.leftover = "from the last test"
    first.openapi()["info"]["title"] = "changed"
    shared.give_back(first)

    again = shared.take(make_settings(URL))

    assert again is first and shared.built == 1
    assert again.state.settings == make_settings(URL)
    assert again.state.schema_check.is_current is False
    assert not hasattr(again.state, "leftover")
    assert again.openapi()["info"]["title"] == "Pantau"


def test_other_settings_get_another_app() -> None:
    shared = SharedApps()
    first = shared.take(make_settings(URL))
    shared.give_back(first)
    assert shared.take(make_settings(URL, admin_token="another")) is not first
    assert shared.take(make_settings(URL, max_body_bytes=4096)) is not first
    assert shared.take(make_settings(URL)) is first
    assert shared.built == 3


def test_an_app_a_test_changed_is_not_handed_out_again() -> None:
    shared = SharedApps()
    changes = [
        lambda app: app.add_api_route("/extra", lambda: None),
        lambda app: app.dependency_overrides.update({_dependency: _dependency}),
        lambda app: app.user_middleware.clear(),
    ]
    for change in changes:
        app = shared.take(make_settings(URL))
        change(app)
        shared.give_back(app)
        assert shared.take(make_settings(URL)) is not app


async def test_each_taker_runs_a_lifespan_of_its_own(sqlite_template: Path, tmp_path: Path) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "p.db")
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    shared = SharedApps()
    seen = []
    for _ in range(2):
        app = shared.take(settings)
        async with app.router.lifespan_context(app):
            assert await _ready(app)
            seen.append((app, app.state.db, app.state.metrics, app.state.probe_client))
        shared.give_back(app)
        assert seen[-1][3].is_closed  # the lifespan's clients closed with it
    (first, *first_objects), (second, *second_objects) = seen
    assert second is first
    assert all(a is not b for a, b in zip(first_objects, second_objects, strict=True))


async def test_the_fixture_app_serves_this_tests_settings(app: FastAPI, settings: Settings) -> None:
    assert await _ready(app)
    assert app.state.settings == settings and app.state.db.settings == settings


async def _ready(app: FastAPI) -> bool:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return (await client.get("/readyz")).status_code == 200


def _dependency() -> None:
    return None
