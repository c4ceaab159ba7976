"""The one error handler: whatever a request held (NaN, a lone surrogate, raw bytes, a deep
nest), a 422 is strict JSON naming the field, never a 500 from echoing the input."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from app.core.errors import InvalidInput
from app.http.errors import ECHO_MAX_DEPTH, install_error_handler, json_safe


def strict(document: Any) -> bytes:
    return json.dumps(document, allow_nan=False, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
        (1.5, 1.5),
        ("x\ud800y", "x\\ud800y"),
        (b"\xff{", "\\xff{"),
        ({"\udfff": [float("nan")]}, {"\\udfff": ["NaN"]}),
        ((1, None, True), [1, None, True]),
        (ValueError("bad \ud800"), "bad \\ud800"),
    ],
)
def test_json_safe_values(value: object, safe: object) -> None:
    assert json_safe(value) == safe
    strict(json_safe(value))


def test_a_deep_nest_is_cut_not_recursed() -> None:
    nest: list[Any] = []
    for _ in range(50_000):
        nest = [nest]
    safe = json_safe(nest)
    strict(safe)
    depth = 0
    while isinstance(safe, list):
        safe, depth = safe[0], depth + 1
    assert (depth, safe) == (ECHO_MAX_DEPTH, "…")


class Spec(BaseModel):
    name: str
    interval: int


def lax_app() -> FastAPI:
    """No body guard in front: the handler alone must cope with what FastAPI's parser reads."""
    app = FastAPI()
    install_error_handler(app)

    @app.post("/spec")
    async def spec(body: Spec) -> None:
        return None

    @app.post("/raw")
    async def raw(request: Request) -> None:
        body = await request.body()
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "input": body}])

    @app.post("/domain")
    async def domain() -> None:
        raise InvalidInput(("body", "\ud800"), "bad key", float("nan"))

    return app


@pytest.mark.parametrize(
    ("path", "body", "location", "echo"),
    [
        ("/spec", b'{"name": NaN, "interval": 1}', ["body", "name"], "NaN"),
        ("/spec", b'{"name": "a", "interval": -Infinity}', ["body", "interval"], "-Infinity"),
        ("/spec", b'{"name": 1, "interval": "\\ud800"}', ["body", "interval"], "\\ud800"),
        ("/raw", b"\xff\xfe{\x00", ["body"], "\\xff\\xfe{\x00"),
        ("/domain", b"", ["body", "\\ud800"], "NaN"),
    ],
)
async def test_a_422_is_strict_json_whatever_it_echoes(
    path: str, body: bytes, location: list[str], echo: str
) -> None:
    transport = httpx.ASGITransport(app=lax_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://pantau.test") as client:
        response = await client.post(
            path, content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422
    document = json.loads(response.content.decode("utf-8"), parse_constant=pytest.fail)
    strict(document)
    errors = {tuple(e["loc"]): e for e in document["detail"]}
    assert errors[tuple(location)]["input"] == echo
