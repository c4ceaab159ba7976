"""Slow and unauthenticated bodies, at the ASGI boundary: a write route refuses a caller it
does not admit before reading a byte of the body, and a body that does not arrive within
PANTAU_BODY_TIMEOUT_SECONDS is answered 408 with the connection closed, whether the NUL guard
or the route was reading it. Nothing is written in either case."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable

import anyio
import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message

from app.http.auth_gate import guarded_writes
from app.main import create_app
from app.store.keys import Scope
from tests.conftest import make_settings
from tests.factories import bearer, issue_key
from tests.support.routes import concrete

DEADLINE = 0.5
MIB = 1024 * 1024
SERVICE = b'{"region_code": "73.73", "name": "SIAK Palopo", "url": "https://siak.example/h"}'


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(database_url, body_timeout_seconds=DEADLINE))
    async with application.router.lifespan_context(application):
        yield application


class Stalling:
    """A client that sends `parts` of its body, then nothing more, ever."""

    def __init__(self, *parts: bytes) -> None:
        self.parts = list(parts)
        self.reads = 0

    async def __call__(self) -> Message:
        self.reads += 1
        if self.parts:
            return {"type": "http.request", "body": self.parts.pop(0), "more_body": True}
        await anyio.sleep_forever()
        raise AssertionError("unreachable")


class Answer:
    def __init__(self, messages: list[Message]) -> None:
        start = messages[0]
        self.status: int = start["status"]
        self.headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        self.body = b"".join(m.get("body", b"") for m in messages[1:])


async def call(
    app: FastAPI, method: str, path: str, headers: dict[str, str], receive: Stalling
) -> Answer:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    with anyio.fail_after(DEADLINE + 5):
        await app(scope, receive, send)
    return Answer(sent)


def declaring(size: int, **headers: str) -> dict[str, str]:
    return {"content-type": "application/json", "content-length": str(size)} | headers


def write_routes(app: FastAPI) -> Iterable[tuple[str, str]]:
    for write in guarded_writes(app.routes):
        for method in sorted(write.methods):
            yield method, concrete(write.path)


async def test_every_write_route_refuses_before_reading_the_body(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    narrow = (await issue_key(client, admin_headers, Scope.AGENT_PUSH))["token"]
    routes = list(write_routes(app))
    assert ("POST", "/api/v1/services") in routes and len(routes) >= 20
    refusals = [({}, 401), (bearer("not-a-token"), 403)]
    for method, path in routes:
        if not path.startswith("/api/v1/agents/1/results"):  # agent:push may call that one
            refusals.append((bearer(narrow), 403))
        for credentials, status in refusals:
            receive = Stalling(SERVICE)
            answer = await call(app, method, path, declaring(MIB, **credentials), receive)
            assert answer.status == status, (method, path, answer.body)
            assert receive.reads == 0, (method, path)  # not one byte of the body was read
            assert answer.headers["connection"] == "close"
        refusals = refusals[:2]
    listed = await client.get("/api/v1/services", headers=admin_headers)
    assert listed.json()["items"] == []


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
async def test_a_stalled_body_is_408_and_closes_the_connection(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], content_type: str
) -> None:
    # JSON is read by the NUL guard, outside any route; anything else by the route itself.
    headers = declaring(MIB, **admin_headers) | {"content-type": content_type}
    receive = Stalling(SERVICE[:10], SERVICE[10:20])
    started = time.monotonic()
    answer = await call(app, "POST", "/api/v1/services", headers, receive)
    waited = time.monotonic() - started
    assert answer.status == 408, answer.body
    assert answer.headers["connection"] == "close"
    assert b"PANTAU_BODY_TIMEOUT_SECONDS" in answer.body
    assert DEADLINE - 0.05 <= waited < DEADLINE + 2
    listed = await client.get("/api/v1/services", headers=admin_headers)
    assert listed.json()["items"] == []


async def test_a_slow_body_within_the_deadline_is_accepted(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    async def dribble() -> AsyncIterator[bytes]:
        for start in range(0, len(SERVICE), 20):
            await anyio.sleep(DEADLINE / 10)
            yield SERVICE[start : start + 20]

    headers = {**admin_headers, "Content-Type": "application/json"}
    created = await client.post("/api/v1/services", content=dribble(), headers=headers)
    assert created.status_code == 201, created.text


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
async def test_an_oversized_streamed_body_closes_the_connection(
    app: FastAPI, admin_headers: dict[str, str], content_type: str
) -> None:
    # No Content-Length: the limit is met while reading, by the NUL guard or by the route.
    headers = {**admin_headers, "content-type": content_type}
    receive = Stalling(*[b" " * 65536] * 20)
    answer = await call(app, "POST", "/api/v1/services", headers, receive)
    assert answer.status == 413, answer.body
    assert answer.headers["connection"] == "close"
    assert receive.reads <= 17  # it stopped reading once past the 1 MiB limit
