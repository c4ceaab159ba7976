"""The embed cache (app/http/embed_cache.py): badges, the widget and its scripts answered again
as the stack answered them, with their own request id, a transition seen at once, requests it
must not answer left to the stack, and an answer no older than its oldest cached input allows;
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
from starlette.types import Message, Receive, Scope, Send

from app.core.domain import Reason
from app.http.embed_cache import EmbedCache
from app.reads.cache import ReadCache, reads_no_clock
from app.store.db import Database
from app.store.types import utcnow
from tests.factories import add_service, probe

EMBEDDED = [
    "/badge/73.73.svg",
    "/badge/73.73/uptime.svg",
    "/badge/73.73/uptime.svg?window=7d",
    "/widget/73.73",
    "/widget/7373?lang=en",
    "/static/embed.js",
    "/static/widget.js",
    "/static/widget.css",
]
BROWSERS = [
    {"Accept-Encoding": "gzip, deflate, br", "Accept-Language": "id-ID,id;q=0.9,en;q=0.8"},
    {"Accept-Encoding": "identity", "Accept-Language": "en-US,en;q=0.9"},
]


def without_id(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((k, v) for k, v in response.headers.items() if k != "x-request-id")
    return response.status_code, headers, response.content


async def down_in_palopo(database: Database) -> int:
    sid = await add_service(database, "73.73")
    now = utcnow()
    await probe(database, sid, Reason.OK, now - timedelta(hours=2))
    await probe(database, sid, Reason.NETWORK_TIMEOUT, now - timedelta(hours=1))
    return sid


async def test_answers_again_what_the_stack_answered(
    client: httpx.AsyncClient, database: Database
) -> None:
    # Up all along: nothing in these answers moves with the clock within the test.
    await probe(database, await add_service(database, "73.73"), Reason.OK, utcnow())
    for headers in BROWSERS:
        for path in EMBEDDED:
            first = await client.get(path, headers=headers)
            assert first.status_code == 200, path
            again = await client.get(path, headers=headers | {"X-Request-ID": "portal-1"})
            assert without_id(again) == without_id(first), path
            assert again.headers["x-request-id"] == "portal-1"
            revalidating = headers | {"If-None-Match": first.headers["etag"]}
            not_modified = [await client.get(path, headers=revalidating) for _ in range(2)]
            assert [r.status_code for r in not_modified] == [304, 304], path
            assert without_id(not_modified[1]) == without_id(not_modified[0]), path
            # The stack's own answers, which the cache must not take for its own.
            head = await client.head(path, headers=headers)
            assert head.status_code == 200 and head.content == b"", path
            cors = await client.get(path, headers=headers | {"Origin": "https://portal.go.id"})
            assert cors.headers["access-control-allow-origin"] == "*", path
            assert cors.content == first.content


async def test_a_transition_changes_what_is_served_at_once(
    client: httpx.AsyncClient, database: Database
) -> None:
    sid = await down_in_palopo(database)
    english = {"Accept-Language": "en"}
    down = [await client.get("/badge/73.73.svg", headers=english) for _ in range(2)]
    widget = [await client.get("/widget/73.73", headers=english) for _ in range(2)]
    assert down[0].content == down[1].content and b">down" in down[0].content
    assert widget[0].content == widget[1].content and b'data-state="outage"' in widget[0].content
    await probe(database, sid, Reason.OK, utcnow())
    up = await client.get("/badge/73.73.svg", headers=english)
    assert b">up</text>" in up.content and up.headers["etag"] != down[0].headers["etag"]
    recovered = await client.get("/widget/73.73", headers=english)
    assert b'data-state="operational"' in recovered.content
    # A browser revalidating what it held gets the new answer, not a 304.
    revalidated = await client.get(
        "/badge/73.73.svg", headers=english | {"If-None-Match": down[0].headers["etag"]}
    )
    assert revalidated.status_code == 200 and revalidated.content == up.content


class Counting:
    """An app below the cache: each answer names how often it ran and the input it read."""

    def __init__(self, cache: ReadCache) -> None:
        self.cache = cache
        self.calls = 0
        self.builds = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        if "timeless" in scope["path"]:
            reads_no_clock()

        async def build() -> int:
            self.builds += 1
            return self.builds

        version = await self.cache.version()
        value = await self.cache.get("input", version, build)
        body = f"call {self.calls} input {value}".encode()
        headers = [(b"content-type", b"text/plain"), (b"etag", f'"{self.calls}"'.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def ask(layer: EmbedCache, cache: ReadCache, path: str, **headers: str) -> bytes:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    method = headers.pop("method", "GET")
    raw = [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": raw,
        "app": SimpleNamespace(state=SimpleNamespace(read_cache=cache)),
    }
    await layer(scope, receive, send)
    return bytes(sent[1]["body"])


async def test_an_answer_lasts_as_long_as_its_oldest_input(database: Database) -> None:
    cache = ReadCache(database, max_age=0.6)
    below = Counting(cache)
    layer = EmbedCache(below)
    assert await ask(layer, cache, "/badge/a.svg") == b"call 1 input 1"
    await asyncio.sleep(0.3)
    # Made later from the same input: it expires with the input, not 0.6 s after itself.
    assert await ask(layer, cache, "/badge/b.svg") == b"call 2 input 1"
    assert await ask(layer, cache, "/badge/b.svg") == b"call 2 input 1"
    await asyncio.sleep(0.4)
    assert await ask(layer, cache, "/badge/b.svg") == b"call 3 input 2"
    assert await ask(layer, cache, "/badge/a.svg") == b"call 4 input 2"
    assert await ask(layer, cache, "/badge/a.svg") == b"call 4 input 2"


async def test_an_answer_reading_no_clock_lasts_until_the_data_changes(
    database: Database,
) -> None:
    cache = ReadCache(database, max_age=0.3)
    layer = EmbedCache(Counting(cache))
    assert await ask(layer, cache, "/badge/timeless.svg") == b"call 1 input 1"
    assert await ask(layer, cache, "/badge/clock.svg") == b"call 2 input 1"
    await asyncio.sleep(0.4)
    # Past max_age: the answer reading the clock is made again, the other is not.
    assert await ask(layer, cache, "/badge/clock.svg") == b"call 3 input 2"
    assert await ask(layer, cache, "/badge/timeless.svg") == b"call 1 input 1"
    await down_in_palopo(database)  # a transition: a new data version
    assert await ask(layer, cache, "/badge/timeless.svg") == b"call 4 input 3"
    assert await ask(layer, cache, "/badge/timeless.svg") == b"call 4 input 3"


async def test_leaves_other_requests_to_the_stack(database: Database) -> None:
    cache = ReadCache(database)
    below = Counting(cache)
    layer = EmbedCache(below)
    await ask(layer, cache, "/widget/73.73")
    others: list[dict[str, str]] = [
        {"authorization": "Bearer x"},
        {"origin": "https://portal.go.id"},
        {"range": "bytes=0-10"},
        {"content-length": "0"},
        {"if-modified-since": "Fri, 04 Dec 2026 10:00:00 GMT"},
        {"method": "HEAD"},
    ]
    for number, headers in enumerate(others, start=2):
        assert await ask(layer, cache, "/widget/73.73", **headers) == (
            f"call {number} input 1".encode()
        )
    assert await ask(layer, cache, "/regions/73.73") == b"call 8 input 1"
    assert await ask(layer, cache, "/regions/73.73") == b"call 9 input 1"
    # Another language is another answer; the same language in other words is the same.
    assert await ask(layer, cache, "/widget/73.73", accept_language="en") == b"call 10 input 1"
    assert await ask(layer, cache, "/widget/73.73", accept_language="en-GB") == b"call 10 input 1"
    assert await ask(layer, cache, "/widget/73.73") == b"call 1 input 1"
