"""Waves on the live stream (real uvicorn on loopback): a `wave` event, without an id, when a
wave starts, changes and ends; the active waves first on connecting; region filters through
the members."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from app.store.db import Database
from tests.support.stream import Stream, connect
from tests.support.waiting import wait_for
from tests.support.waves import MALUKU, NATIONAL, T0, at, reconcile


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[str]:
    app: FastAPI = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await wait_for(lambda: server.started, within=10, interval=0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def next_wave(stream: Stream) -> dict[str, Any]:
    event = await stream.next()
    assert event["event"] == "wave" and "id" not in event, event
    wave: dict[str, Any] = json.loads(event["data"])
    return wave


async def test_a_wave_streams_its_start_change_and_end(served: str, database: Database) -> None:
    async with connect(served) as stream:
        await reconcile(database, NATIONAL, T0)
        started = await next_wave(stream)
        assert (started["scope"], started["regions"], started["ended_at"]) == (
            "national",
            sorted(NATIONAL),
            None,
        )
        await reconcile(database, (*NATIONAL, "11.03"), at(60))
        assert "11.03" in (await next_wave(stream))["regions"]
        await reconcile(database, [], at(120))
        ended = await next_wave(stream)
        assert (ended["id"], ended["ended_at"]) == (started["id"], "2026-11-29T07:04:00Z")


async def test_connecting_sends_the_active_waves_first(served: str, database: Database) -> None:
    await reconcile(database, MALUKU, T0)
    async with connect(served) as stream:
        wave = await next_wave(stream)
    assert (wave["area"], wave["area_label_en"], wave["peak_regions"]) == ("8", "Maluku", 3)


async def test_a_region_filter_keeps_the_waves_touching_it(served: str, database: Database) -> None:
    await reconcile(database, MALUKU, T0)
    await reconcile(database, NATIONAL, T0)
    async with connect(served, "/api/v1/events?region=73") as stream:
        wave = await next_wave(stream)
        assert wave["scope"] == "national"  # the Maluku wave, older, has no member in 73
        await reconcile(database, MALUKU, at(60))  # the national wave ends, Maluku's stays
        ended = await next_wave(stream)
        assert (ended["id"], ended["ended_at"]) == (wave["id"], "2026-11-29T07:03:00Z")
