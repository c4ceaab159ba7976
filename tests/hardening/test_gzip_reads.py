"""Gzip compresses reads (and the console's form answers) as before; writes to the JSON API,
whose answers are receipts and errors, skip the compressor's set-up."""

from __future__ import annotations

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from app.http.conditional import GZipReads

BIG = "x" * 5000  # over the 1,000 bytes worth compressing


async def big_answer(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse(BIG)(scope, receive, send)


@pytest.mark.parametrize(
    ("method", "path", "gzipped"),
    [
        ("GET", "/api/v1/status", True),
        ("GET", "/status", True),
        ("POST", "/console/declare", True),
        ("POST", "/api/v1/agents/7/results", False),
        ("DELETE", "/api/v1/services/7", False),
        ("PUT", "/api/v1/maintenance/7", False),
    ],
)
async def test_gzip_skips_only_writes_to_the_api(method: str, path: str, gzipped: bool) -> None:
    app = GZipReads(big_answer, minimum_size=1000, compresslevel=6)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.request(method, path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.text == BIG  # httpx undoes the gzip
    assert (response.headers.get("content-encoding") == "gzip") is gzipped
