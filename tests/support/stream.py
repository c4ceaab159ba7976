"""The live stream as a client reads it: one SSE connection, event by event."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx


class Stream:
    """An SSE connection read event by event (comments kept, for heartbeats)."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self.lines = lines

    async def next(self, *, comments: bool = False, within: float = 5.0) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        async with asyncio.timeout(within):
            async for line in self.lines:
                if line.startswith(":"):
                    if comments:
                        return {"comment": line[1:].strip()}
                    continue
                if not line:
                    if fields:
                        return fields
                    continue
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
        raise AssertionError("stream ended")

    async def transition(self, **kwargs: Any) -> dict[str, Any]:
        event = await self.next(**kwargs)
        assert event["event"] == "transition", event
        return {"id": int(event["id"]), **json.loads(event["data"])}


@asynccontextmanager
async def connect(
    base_url: str, path: str = "/api/v1/events", **headers: str
) -> AsyncIterator[Stream]:
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as client,
        client.stream("GET", path, headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response.aiter_lines())
        assert (await stream.next())["retry"] == "2000"  # subscribed from here on
        yield stream
