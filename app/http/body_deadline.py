"""A deadline on request bodies (`PANTAU_BODY_TIMEOUT_SECONDS`). uvicorn waits for a body
as long as its client likes, so a client that declared a large body and then dribbled or
stalled held its connection and every byte buffered so far. Past the deadline the request is
answered 408 and its connection closed, before any route acts on it."""

from __future__ import annotations

import anyio
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLOSE = {"Connection": "close"}


class BodyTimeout(HTTPException):
    """An HTTPException, so FastAPI re-raises it from body parsing instead of masking it as 400."""

    def __init__(self, seconds: float) -> None:
        detail = f"request body not received within {seconds:g} s (PANTAU_BODY_TIMEOUT_SECONDS)"
        super().__init__(status_code=408, detail=detail, headers=CLOSE)


def is_last_body_part(message: Message) -> bool:
    return message["type"] != "http.request" or not message.get("more_body", False)


class BodyDeadline:
    """Counts from the request's start; once the body is complete, `receive` is untouched
    (a stream waiting for the client's disconnect has no deadline)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = anyio.current_time() + self.seconds
        body_complete = expired = started = False

        async def receive_in_time() -> Message:
            nonlocal body_complete, expired
            if body_complete:
                return await receive()
            try:
                with anyio.fail_after(max(deadline - anyio.current_time(), 0)):
                    message = await receive()
            except TimeoutError:
                expired = True
                raise BodyTimeout(self.seconds) from None
            body_complete = is_last_body_part(message)
            return message

        async def send_closing_if_expired(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if expired:  # whoever answers, the rest of the body is never read
                    MutableHeaders(scope=message)["Connection"] = "close"
            await send(message)

        try:
            await self.app(scope, receive_in_time, send_closing_if_expired)
        except BodyTimeout as exc:
            # Read outside a route (no exception handler in between): answer here.
            if started:
                raise
            await JSONResponse({"detail": exc.detail}, 408, headers=CLOSE)(scope, receive, send)
