"""Absolute links never come from the request's Host header, which a shared cache would then
serve to everyone (`Host: evil.example`): the Atom feed, the Statuspage documents and the
trailing-slash redirect use PANTAU_PUBLIC_URL, else the configured address or a relative
path; and no GET route anywhere echoes the Host."""

from __future__ import annotations

from collections.abc import AsyncIterator

import feedparser
import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.http.slash_redirect import redirect_location
from app.main import create_app
from app.settings import Settings
from app.store.db import Database
from tests.conftest import make_settings
from tests.support.pages import seed_country
from tests.support.routes import EVENT_STREAM, get_paths

PUBLIC_URL = "https://pantau.example.go.id"
EVIL = {"Host": "evil.example"}


@pytest.fixture(params=[None, f"{PUBLIC_URL}/"], ids=["unset", "public-url"])
async def site(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(database_url, public_url=request.param))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def evil(site: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=site)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://evil.example", headers=EVIL
    ) as client:
        yield client


def base_of(app: FastAPI) -> str:
    settings: Settings = app.state.settings
    return settings.public_base_url


async def test_feed_links_use_the_configured_base(
    site: FastAPI, evil: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    seeded = await seed_country(evil, database, admin_headers)
    response = await evil.get("/feeds/incidents.atom?region=73")
    assert response.status_code == 200 and b"evil.example" not in response.content
    feed = feedparser.parse(response.content)
    base = base_of(site)
    assert base == (PUBLIC_URL if site.state.settings.public_url else "http://127.0.0.1:8000")
    assert feed.feed.id == f"{base}/feeds/incidents.atom?region=73"
    assert {link.href for link in feed.feed.links} == {
        f"{base}/feeds/incidents.atom?region=73",
        f"{base}/regions/73",
    }
    (palopo,) = feed.entries
    assert palopo.id == f"{base}/api/v1/incidents/{seeded.incident_id}"
    assert palopo.link == f"{base}/regions/73.73"


async def test_statuspage_documents_use_the_configured_base(
    site: FastAPI, evil: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    seeded = await seed_country(evil, database, admin_headers)
    base = base_of(site)
    for path in ("/api/v2/summary.json", "/api/v2/scheduled-maintenances.json"):
        response = await evil.get(path)
        assert response.status_code == 200 and b"evil.example" not in response.content
        assert response.json()["page"]["url"] == f"{base}/"
    incidents = (await evil.get("/api/v2/incidents.json")).json()["incidents"]
    shortlinks = {incident["shortlink"] for incident in incidents}
    assert f"{base}/api/v1/incidents/{seeded.incident_id}" in shortlinks
    (window,) = (await evil.get("/api/v2/scheduled-maintenances.json")).json()[
        "scheduled_maintenances"
    ]
    assert window["shortlink"].startswith(f"{base}/api/v1/maintenance/")


async def test_trailing_slash_redirect_is_relative_or_on_the_public_url(
    site: FastAPI, evil: httpx.AsyncClient
) -> None:
    prefix = PUBLIC_URL if site.state.settings.public_url else ""
    cases = {
        "/api/v1/regions/?q=palopo": "/api/v1/regions?q=palopo",
        "/api/v1/status/": "/api/v1/status",
        "/regions/73.73/": "/regions/73.73",
    }
    for path, target in cases.items():
        for method in ("GET", "HEAD"):
            response = await evil.request(method, path)
            assert response.status_code == 307, (method, path)
            assert response.headers["location"] == f"{prefix}{target}"
    assert (await evil.get("/api/v1/nothing-here/")).status_code == 404
    followed = await evil.get("/api/v1/regions/73.73/", follow_redirects=True)
    assert followed.status_code == 200 and followed.json()["code"] == "73.73"


def test_a_redirect_never_points_at_another_host() -> None:
    # `//host/...` would read as a network-path reference: another site.
    assert redirect_location("//evil.example/x", b"", None) == "/%2Fevil.example/x"
    assert redirect_location("/a?b#c", b"q=1", None) == "/a%3Fb%23c?q=1"
    assert redirect_location("/a", b"", PUBLIC_URL) == f"{PUBLIC_URL}/a"


async def test_no_get_route_echoes_the_host_header(
    site: FastAPI, evil: httpx.AsyncClient, database: Database, admin_headers: dict[str, str]
) -> None:
    await seed_country(evil, database, admin_headers)
    for path in get_paths(site):
        if path == EVENT_STREAM:  # a stream without end; it carries no links
            continue
        for headers in ({}, admin_headers):
            response = await evil.get(path, headers=headers)
            assert response.status_code < 500, (path, response.text)
            echoed = str(response.headers) + response.text
            assert "evil.example" not in echoed, path


@pytest.mark.parametrize(
    "given, kept",
    [
        ("https://pantau.example.go.id/", "https://pantau.example.go.id"),
        ("http://10.0.0.5:8080/pantau/", "http://10.0.0.5:8080/pantau"),
        ("", None),
    ],
)
def test_public_url_setting_is_normalised(given: str, kept: str | None) -> None:
    assert Settings(public_url=given).public_url == kept


@pytest.mark.parametrize(
    "given",
    ["pantau.example.go.id", "ftp://pantau.example.go.id", "https://x.id/?a=1", "https://u:p@x.id"],
)
def test_public_url_setting_refuses_what_is_not_an_origin(given: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(public_url=given)
    assert raised.value.errors()[0]["loc"] == ("public_url",)
