"""HEAD works wherever GET does: every GET route of the app (pages, badges, feed, static
files, health, the Statuspage documents and the API, the event stream included) answers HEAD
with GET's status and headers and no body, through the real server."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from app.store.db import Database
from tests.support.harness import PantauProcess
from tests.support.pages import seed_country
from tests.support.routes import CONSOLE, EVENT_STREAM, LINK_PAGES, get_paths

pytestmark = pytest.mark.slow

# Differ between any two answers, or only describe how a body is framed on the wire. Gzip is
# chosen by the body's size (1,000 bytes or more), and a body holding figures that move with
# the clock (coverage, durations) can straddle that size between the GET and the HEAD; the
# STABLE answers below check content-encoding value for value.
PER_ANSWER = frozenset({"date", "x-request-id", "transfer-encoding", "content-encoding"})
# Answers that do not change between two requests: their headers must match value for value.
STABLE = ("/healthz", "/api/v1/regions/73.73", "/api/v2/components.json", "/static/pantau.css")


async def get_head(client: httpx.AsyncClient, path: str) -> tuple[httpx.Response, httpx.Response]:
    async with client.stream("GET", path) as got:
        if path != EVENT_STREAM:
            await got.aread()
    head = await client.head(path)
    return got, head


def header_names(response: httpx.Response) -> set[str]:
    return {name.lower() for name in response.headers} - PER_ANSWER


async def seed_ids(client: httpx.AsyncClient, database: Database) -> dict[str, int]:
    """Real rows behind the path parameters, so most routes answer 200, not 404."""
    seeded = await seed_country(client, database, dict(client.headers))
    windows = (await client.get("/api/v1/maintenance")).json()["items"]
    return {
        "service_id": seeded.palopo,
        "incident_id": seeded.incident_id,
        "window_id": int(windows[0]["id"]),
    }


async def test_every_get_route_answers_head_like_get(
    start_pantau: Callable[..., PantauProcess], database: Database, settings: Settings
) -> None:
    pantau = start_pantau(run_checker="false")
    await pantau.start()
    async with pantau.client() as admin, httpx.AsyncClient(base_url=pantau.base_url) as public:
        paths = get_paths(create_app(settings), await seed_ids(admin, database))
        assert "/healthz" in paths and EVENT_STREAM in paths and "/static/pantau.css" in paths
        answered_ok = set()
        for client in (public, admin):
            for path in paths:
                got, head = await get_head(client, path)
                assert head.status_code == got.status_code, path
                assert head.content == b"", path
                assert header_names(head) == header_names(got), path
                assert head.headers.get("content-type") == got.headers.get("content-type"), path
                if got.status_code == 200:
                    answered_ok.add(path)
        # The seeded rows make this a walk over real answers, not over 404s.
        assert {"/", "/regions/73.73", "/feeds/incidents.atom", EVENT_STREAM} <= answered_ok
        # 404 without a token; the console's pages redirect to its sign-in page.
        walked = [p for p in paths if p not in LINK_PAGES and not p.startswith(CONSOLE)]
        assert len(answered_ok) >= len(walked) - 5, set(walked) - answered_ok

        for path in STABLE:
            got, head = await get_head(public, path)
            for name in ("content-length", "etag", "content-encoding", "cache-control"):
                assert head.headers.get(name) == got.headers.get(name), (path, name)
        got = await public.get("/healthz")
        cached = await public.head("/healthz", headers={"If-None-Match": got.headers["etag"]})
        assert cached.status_code == 304
