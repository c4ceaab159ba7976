"""HEAD wherever GET works (RFC 9110 §9.3.2): the request runs as a GET, its status and
headers go out, its body does not. FastAPI routes declare GET only, so HEAD used to be a
405 everywhere, `/healthz` included, which load balancers and link checkers use."""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """Outside gzip and the ETag layer, so HEAD carries the very Content-Length, ETag and
    Content-Encoding a GET would. A stream (the SSE feed) is stopped once its headers are out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        with anyio.CancelScope() as response_sent:

            async def send_headers_only(message: Message) -> None:
                if message["type"] != "http.response.start" or response_sent.cancel_called:
                    return
                await send(message)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                response_sent.cancel()

            await self.app({**scope, "method": "GET"}, receive, send_headers_only)
