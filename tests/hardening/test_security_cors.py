"""CORS only on public reads: a browser elsewhere may read the status API, but neither a
preflight nor an actual request to a write route or an admin read is answered with CORS."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.http.conditional import guarded_read_paths, is_public_read
from app.main import create_app
from tests.conftest import make_settings
from tests.support.routes import concrete, guarded_routes

ORIGIN = "https://portal.palopokota.go.id"
PUBLIC_READS = ["/api/v1/status", "/api/v1/regions/73.73/history", "/api/v2/summary.json"]


@pytest.mark.parametrize(
    ("method", "path", "public"),
    [
        ("GET", "/api/v1/status", True),
        ("HEAD", "/api/v1/regions/73.73", True),
        ("GET", "/api/v1/services/7/history", True),
        ("GET", "/api/v1/keys", False),
        ("GET", "/api/v1/audit", False),
        ("GET", "/api/v1/deliveries/7", False),
        ("GET", "/api/v1/subscriptions", False),
        ("POST", "/api/v1/status", False),
        ("DELETE", "/api/v1/services/7", False),
    ],
)
def test_public_read_is_decided_by_method_and_route(method: str, path: str, public: bool) -> None:
    guarded = guarded_read_paths(create_app(make_settings("sqlite+aiosqlite://")).routes)
    assert is_public_read(method, path, guarded) is public


async def test_public_reads_allow_any_configured_origin(client: httpx.AsyncClient) -> None:
    for path in PUBLIC_READS:
        response = await client.get(path, headers={"Origin": ORIGIN})
        assert response.headers["access-control-allow-origin"] == "*", path
        preflight = await client.options(
            path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "*"


async def test_writes_and_admin_reads_get_no_cors(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    writes, admin_reads = guarded_routes(app)
    for method, path in writes + admin_reads:
        url = concrete(path)
        preflight = await client.options(
            url, headers={"Origin": ORIGIN, "Access-Control-Request-Method": method}
        )
        assert preflight.status_code == 400, (method, path)
        assert not _cors_headers(preflight), (method, path)
        body: dict[str, object] | None = {} if method != "GET" else None
        actual = await client.request(
            method, url, json=body, headers={**admin_headers, "Origin": ORIGIN}
        )
        assert actual.status_code < 500
        assert not _cors_headers(actual), (method, path, actual.status_code)


def _cors_headers(response: httpx.Response) -> list[str]:
    return [name for name in response.headers if name.lower().startswith("access-control-")]
