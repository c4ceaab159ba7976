"""Request bodies over PANTAU_MAX_BODY_BYTES are refused with a JSON 413 before any route
acts on them, whether the size is declared (Content-Length) or only streamed (chunked); a
body that is not JSON text is a 422 naming the body, not a bare 400."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from tests.conftest import make_settings

LIMIT = 4096


@pytest.fixture
async def limited(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(make_settings(database_url, max_body_bytes=LIMIT))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pantau.test") as c:
            yield c


def service(padding: int) -> bytes:
    body = {"region_code": "73.73", "name": "SIAK Palopo", "url": "https://siak.example/h"}
    return json.dumps(body).encode() + b" " * padding


def test_the_default_limit_is_one_mebibyte() -> None:
    assert Settings().max_body_bytes == 1024 * 1024


async def test_declared_and_streamed_oversize_bodies_are_413(
    limited: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Content-Type": "application/json"}
    declared = await limited.post("/api/v1/services", content=service(LIMIT), headers=headers)

    async def chunks() -> AsyncIterator[bytes]:
        body = service(LIMIT)
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    streamed = await limited.post("/api/v1/services", content=chunks(), headers=headers)
    assert "content-length" not in streamed.request.headers
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json() == {
            "detail": f"request body larger than {LIMIT} bytes (PANTAU_MAX_BODY_BYTES)"
        }
    listed = await limited.get("/api/v1/services", headers=admin_headers)
    assert listed.json()["items"] == []  # neither reached the route

    fits = service(LIMIT - len(service(0)))
    assert len(fits) == LIMIT
    accepted = await limited.post("/api/v1/services", content=fits, headers=headers)
    assert accepted.status_code == 201, accepted.text


async def test_a_body_that_is_not_json_text_is_a_422_naming_the_body(
    limited: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Content-Type": "application/json"}
    response = await limited.post("/api/v1/services", content=b"\xff\xfe{", headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]
