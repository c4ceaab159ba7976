"""A lean `text/event-stream` response for the live feed: one task per client writing the
frames its subscriber is handed, and one small waiter on `receive` for the client's hang-up.
sse_starlette's response ran four tasks per client (stream, ping, disconnect, exit signal)
under an anyio task group, about 45 KB a viewer; the heartbeats and the shutdown check now
come from the one poller per process (app.stream.live_feed). Same headers and wire format."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing

from sse_starlette.sse import AppStatus
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.stream.live_feed import Subscriber

# As sse_starlette sent them: proxies must neither cache nor buffer the stream.
STREAM_HEADERS = {
    "Cache-Control": "no-store",
    "Connection": "keep-alive",
    "X-Accel-Buffering": "no",
}

Frames = Callable[[Subscriber], AsyncGenerator[bytes, None]]


def server_exiting() -> bool:
    """Whether uvicorn is shutting down, as sse_starlette tells: its patched exit handler
    sets `AppStatus.should_exit`; else the serving uvicorn's own flag, found through the
    SIGTERM handler uvicorn installed (a bound method of its Server)."""
    if AppStatus.should_exit:
        return True
    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    return bool(AppStatus.enable_automatic_graceful_drain and getattr(server, "should_exit", False))


class EventStream(Response):
    """Subscribes when the response starts (so a stream never started leaves no subscriber
    behind), writes `frames(subscriber)`, and ends when the subscriber is closed: by the
    client's hang-up or the feed at shutdown."""

    media_type = "text/event-stream"

    def __init__(
        self,
        subscribe: Callable[[], Awaitable[Subscriber]],
        unsubscribe: Callable[[Subscriber], None],
        frames: Frames,
        status_code: int = 200,  # as Starlette's responses declare it (FastAPI's OpenAPI reads it)
    ) -> None:
        self.status_code = status_code
        self.background = None
        self.subscribe = subscribe
        self.unsubscribe = unsubscribe
        self.frames = frames
        self.init_headers(STREAM_HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = {
            "type": "http.response.start",
            "status": self.status_code,
            "headers": self.raw_headers,
        }
        await send(start)
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        subscriber = await self.subscribe()
        hang_up = asyncio.ensure_future(_close_on_disconnect(receive, subscriber))
        try:
            async with aclosing(self.frames(subscriber)) as frames:
                async for chunk in frames:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            hang_up.cancel()
            self.unsubscribe(subscriber)


async def _close_on_disconnect(receive: Receive, subscriber: Subscriber) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    subscriber.close()
