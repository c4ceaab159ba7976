"""The live stream against a real uvicorn on loopback: latency after commit, resuming with
Last-Event-ID, filters, heartbeats, one poller per process."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from app.api.events import encode_transition
from app.core.domain import Reason
from app.main import create_app
from app.settings import Settings
from app.store.db import Database
from app.stream.live_feed import LiveFeed
from tests.factories import add_service, probe
from tests.support.stream import connect

OK, TIMEOUT = Reason.OK, Reason.NETWORK_TIMEOUT


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[tuple[str, FastAPI]]:
    app = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(1000):
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", app
    finally:
        server.should_exit = True
        await task
        sock.close()


async def test_a_transition_arrives_within_a_second_of_its_commit(
    served: tuple[str, FastAPI], database: Database
) -> None:
    sid = await add_service(database)
    async with connect(served[0]) as stream:
        (transition,) = await probe(database, sid, TIMEOUT, 1)
        committed = time.monotonic()
        event = await stream.transition()
        assert time.monotonic() - committed < 1.0
    assert event["id"] == transition.id
    assert (event["region_code"], event["to_state"], event["reason"]) == (
        "73.73",
        "outage",
        "network.timeout",
    )


async def test_reconnecting_with_last_event_id_misses_nothing(
    served: tuple[str, FastAPI], database: Database
) -> None:
    sid = await add_service(database)
    async with connect(served[0]) as stream:
        await probe(database, sid, OK, 0)
        last_seen = (await stream.transition())["id"]
    missed = []
    for minute, reason in enumerate([TIMEOUT, OK, TIMEOUT], start=1):
        missed += [t.id for t in await probe(database, sid, reason, minute)]
    async with connect(served[0], **{"Last-Event-ID": str(last_seen)}) as stream:
        replayed = [(await stream.transition())["id"] for _ in missed]
        (live,) = await probe(database, sid, OK, 9)
        assert (await stream.transition())["id"] == live.id  # and nothing twice before it
    assert replayed == missed


async def test_filters_by_region_prefix_and_category(
    served: tuple[str, FastAPI], database: Database
) -> None:
    palopo, makassar = await add_service(database), await add_service(database, "73.71")
    path = "/api/v1/events?region=7371&region=31&category=network"
    async with connect(served[0], path) as stream:
        await probe(database, palopo, TIMEOUT, 0)  # another region
        await probe(database, makassar, OK, 1, region="73.71")  # another category
        (wanted,) = await probe(database, makassar, TIMEOUT, 2, region="73.71")
        assert (await stream.transition())["id"] == wanted.id


async def test_heartbeats_and_one_poller_for_all_listeners(
    served: tuple[str, FastAPI], database: Database
) -> None:
    base_url, app = served
    feed = app.state.live = LiveFeed(app.state.db, encode_transition, heartbeat_seconds=0.3)
    sid = await add_service(database)
    async with connect(base_url) as first, connect(base_url) as second:
        assert "ping" in (await first.next(comments=True, within=2))["comment"]
        poller = feed._task
        (transition,) = await probe(database, sid, TIMEOUT, 0)
        assert (await first.transition())["id"] == (await second.transition())["id"]
        assert feed._task is poller and transition.id is not None
    for _ in range(50):  # the last listener gone, the poller stops
        if feed._task is not None and feed._task.done():
            break
        await asyncio.sleep(0.1)
    assert feed._task is not None and feed._task.done()


@pytest.mark.parametrize("resume", ["abc", "-1", "99999999999"])
async def test_bad_resume_point_or_filter_is_422(client: httpx.AsyncClient, resume: str) -> None:
    response = await client.get("/api/v1/events", headers={"Last-Event-ID": resume})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "Last-Event-ID"]
    response = await client.get("/api/v1/events", params={"region": "7x"})
    assert response.json()["detail"][0]["loc"] == ["query", "region"]
    response = await client.get("/api/v1/events", params={"category": "weather"})
    assert response.json()["detail"][0]["loc"][:2] == ["query", "category"]


async def test_stream_headers_and_a_shutdown_ends_the_stream(
    served: tuple[str, FastAPI],
) -> None:
    base_url, app = served
    exiting = False
    app.state.live = LiveFeed(
        app.state.db, encode_transition, interval_seconds=0.05, exiting=lambda: exiting
    )
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as client,
        client.stream("GET", "/api/v1/events") as response,
    ):
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-accel-buffering"] == "no"
        lines = response.aiter_lines()
        assert [await anext(lines), await anext(lines)] == ["retry: 2000", ""]
        exiting = True
        async with asyncio.timeout(5):  # the server ends the response: the stream runs out
            assert [line async for line in lines] == []
