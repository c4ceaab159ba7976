"""A request id for every HTTP request: a sane incoming `X-Request-ID` is kept (so a proxy's
id follows the request through), anything else is replaced by a fresh one. It is set in
`app.logs.request_id_var` while the request runs, so every log record carries it, and echoed
in the response's `X-Request-ID` header, a 500 included: an unhandled error is logged here,
with the id, and answered with a JSON body naming the id, so a user's report finds the
traceback."""

from __future__ import annotations

import logging
import re
import uuid

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import request_id_var

HEADER = "X-Request-ID"
# Short, printable, no spaces or quotes: safe to echo in a header and to write into a log line.
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

log = logging.getLogger(__name__)


def choose_request_id(incoming: str | None) -> str:
    """The incoming id if it is sane, else a new random one."""
    if incoming is not None and SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = choose_request_id(Headers(scope=scope).get(HEADER))
        token = request_id_var.set(request_id)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if started:
                raise
            body = {"detail": "internal server error", "request_id": request_id}
            await JSONResponse(body, 500, headers={HEADER: request_id})(scope, receive, send)
        finally:
            request_id_var.reset(token)
