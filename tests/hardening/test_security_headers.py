"""Security headers: nosniff and a Referrer-Policy on every response; on HTML a strict
Content-Security-Policy that forbids framing (and X-Frame-Options DENY), except `/widget/…`,
which any site may frame."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from app.http.security_headers import PAGE_CSP, WIDGET_CSP, SecurityHeaders, security_headers

STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'"
)


def test_the_policies_are_the_agreed_ones() -> None:
    assert PAGE_CSP == STRICT
    assert STRICT.replace("frame-ancestors 'none'", "frame-ancestors *") == WIDGET_CSP


@pytest.mark.parametrize(
    ("path", "content_type", "csp", "frame_options"),
    [
        ("/", "text/html; charset=utf-8", PAGE_CSP, "DENY"),
        ("/regions/73.73", "text/html", PAGE_CSP, "DENY"),
        ("/widget/73.73", "text/html; charset=utf-8", WIDGET_CSP, None),
        ("/widgets", "text/html", PAGE_CSP, "DENY"),
        ("/api/v1/status", "application/json", None, None),
        ("/badge/73.73.svg", "image/svg+xml", None, None),
    ],
)
def test_headers_by_path_and_type(
    path: str, content_type: str, csp: str | None, frame_options: str | None
) -> None:
    headers = security_headers(path, content_type)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers.get("Content-Security-Policy") == csp
    assert headers.get("X-Frame-Options") == frame_options


def _tiny_app() -> FastAPI:
    app = FastAPI()

    @app.get("/page")
    def page() -> HTMLResponse:
        # A route's own weaker headers do not survive.
        return HTMLResponse("<p>hi</p>", headers={"Content-Security-Policy": "default-src *"})

    @app.get("/widget/{code}")
    def widget(code: str) -> HTMLResponse:
        return HTMLResponse(f"<p>{code}</p>", headers={"X-Frame-Options": "DENY"})

    @app.get("/data")
    def data() -> dict[str, int]:
        return {"n": 1}

    app.add_middleware(SecurityHeaders)
    return app


async def test_the_middleware_sets_them_over_the_routes_own() -> None:
    transport = httpx.ASGITransport(app=_tiny_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        page = await client.get("/page")
        widget = await client.get("/widget/73.73")
        data = await client.get("/data")
        missing = await client.get("/nothing")
    assert page.headers["content-security-policy"] == PAGE_CSP
    assert page.headers["x-frame-options"] == "DENY"
    assert widget.headers["content-security-policy"] == WIDGET_CSP
    assert "x-frame-options" not in widget.headers
    for response in (page, widget, data, missing):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert "content-security-policy" not in data.headers


async def test_the_real_pages(client: httpx.AsyncClient) -> None:
    home = await client.get("/")
    widget = await client.get("/widget/73.73")
    region = await client.get("/regions/73.73")
    docs = await client.get("/docs")
    for page in (home, region):
        assert page.status_code == 200, page.text
        assert page.headers["content-security-policy"] == PAGE_CSP
        assert page.headers["x-frame-options"] == "DENY"
    assert widget.status_code == 200
    assert widget.headers["content-security-policy"] == WIDGET_CSP
    assert "x-frame-options" not in widget.headers
    # Swagger UI has a policy of its own (its hashed bootstrap script), still this origin only,
    # and still may not be framed.
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
    assert "https:" not in docs.headers["content-security-policy"]
    for response in (home, widget, region, docs, await client.get("/api/v1/status")):
        assert response.headers["x-content-type-options"] == "nosniff"
