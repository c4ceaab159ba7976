"""The API docs, Swagger UI at /docs and ReDoc at /redoc, in process: their pages reference only
this origin, their assets are served from the packaged distribution (package data of
fastapi-offline), and each page's Content-Security-Policy allows exactly its own inline script
by hash and nothing from another origin. (tests/web/test_web_offline_docs.py renders them.)"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from app.http.api_docs import REDOC_CSP, SWAGGER_CSP, inline_script_hashes
from app.main import create_app
from tests.conftest import make_settings


@pytest.fixture
async def docs_client() -> AsyncIterator[httpx.AsyncClient]:
    # No lifespan: the docs and their assets need no database.
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pantau.test") as client:
        yield client


def referenced(html: str) -> list[str]:
    return re.findall(r'(?:src|href|spec-url)="([^"]+)"', html) + re.findall(
        r"url: '([^']+)'", html
    )


async def test_docs_pages_reference_only_this_origin(docs_client: httpx.AsyncClient) -> None:
    swagger = await docs_client.get("/docs")
    redoc = await docs_client.get("/redoc")
    for page, csp in ((swagger, SWAGGER_CSP), (redoc, REDOC_CSP)):
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == csp
        assert page.headers["x-frame-options"] == "DENY"
        urls = referenced(page.text)
        assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls)
        assert "cdn" not in page.text and "googleapis" not in page.text
    assert set(referenced(swagger.text)) == {
        "/docs/assets/swagger-ui.css",
        "/docs/assets/favicon.png",
        "/docs/assets/swagger-ui-bundle.js",
        "/openapi.json",
    }
    assert set(referenced(redoc.text)) == {
        "/docs/assets/favicon.png",
        "/openapi.json",
        "/docs/assets/redoc.standalone.js",
    }


async def test_each_policy_allows_only_its_own_inline_script(
    docs_client: httpx.AsyncClient,
) -> None:
    swagger = (await docs_client.get("/docs")).text
    (script_hash,) = inline_script_hashes(swagger)
    assert f"script-src 'self' {script_hash};" in SWAGGER_CSP
    assert "unsafe-inline" not in SWAGGER_CSP and "unsafe-eval" not in SWAGGER_CSP
    assert inline_script_hashes((await docs_client.get("/redoc")).text) == []
    assert "script-src 'self';" in REDOC_CSP
    for policy in (SWAGGER_CSP, REDOC_CSP):
        assert "http" not in policy and "frame-ancestors 'none'" in policy


@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("/docs/assets/swagger-ui-bundle.js", "javascript", b"SwaggerUIBundle"),
        ("/docs/assets/swagger-ui.css", "text/css", b".swagger-ui"),
        ("/docs/assets/redoc.standalone.js", "javascript", b"Redoc"),
        ("/docs/assets/favicon.png", "image/png", b"PNG"),
    ],
)
async def test_assets_come_from_the_package(
    docs_client: httpx.AsyncClient, path: str, content_type: str, marker: bytes
) -> None:
    response = await docs_client.get(path)
    assert response.status_code == 200
    assert content_type in response.headers["content-type"]
    assert marker in response.content[:200_000]
    assert b"cdn.redoc.ly" not in response.content  # ReDoc's credit logo, replaced
