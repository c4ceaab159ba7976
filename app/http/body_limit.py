"""Request bodies: a size limit (`PANTAU_MAX_BODY_BYTES`; a declaration's letter uploaded as
multipart gets `PANTAU_LETTER_MAX_BYTES` more) counted on the bytes actually received, so a
chunked upload without Content-Length is held to it too; and one 422 shape for
a body that is not JSON text at all (FastAPI's bare 400 names no field)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import InvalidInput
from app.http.errors import error_response
from app.http.json_text import NOT_UTF8
from app.http.nul_guard import RejectNul
from app.http.security_headers import is_console

UNREADABLE_BODY = "There was an error parsing the body"  # FastAPI's wording for a non-JSON body


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI re-raises it from body parsing instead of masking it as 400."""

    def __init__(self, limit: int, setting: str = "PANTAU_MAX_BODY_BYTES") -> None:
        detail = f"request body larger than {limit} bytes ({setting})"
        # Closed: the rest of the body is never read, so the connection cannot serve another.
        super().__init__(status_code=413, detail=detail, headers={"Connection": "close"})


def declared_length(headers: Headers) -> int | None:
    value = headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


@cache
def _pattern(path: str) -> re.Pattern[str]:
    return compile_path(path)[0]


@dataclass(frozen=True, slots=True)
class LargerBodies:
    """Routes that take more than PANTAU_MAX_BODY_BYTES: multipart uploads (a declaration's
    letter) to these path templates may hold up to `max_bytes`, named by `setting`."""

    paths: tuple[str, ...]
    max_bytes: int
    setting: str

    def admits(self, scope: Scope, headers: Headers) -> bool:
        content_type = headers.get("content-type", "").lower()
        return (
            scope["method"] in ("POST", "PUT")
            and content_type.startswith("multipart/form-data")
            and any(_pattern(path).match(scope["path"]) for path in self.paths)
        )


class BodyLimit:
    """Refuses a declared Content-Length over the limit before the route runs, and stops
    reading once the received bytes pass it (a larger limit for the routes `larger` names)."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: LargerBodies | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit, setting = self.max_bytes, "PANTAU_MAX_BODY_BYTES"
        if self.larger is not None and self.larger.admits(scope, headers):
            limit, setting = self.larger.max_bytes, self.larger.setting
        declared = declared_length(headers)
        if declared is not None and declared > limit:
            await _too_large(limit, setting, scope["path"])(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit, setting)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Read outside a route (no exception handler in between): answer here.
            if started:
                raise
            await _too_large(limit, setting, scope["path"])(scope, receive, send)


def _too_large(limit: int, setting: str, path: str) -> Response:
    detail = BodyTooLarge(limit, setting).detail
    headers = {"Connection": "close"}
    if is_console(path):  # a browser's form post: words, Indonesian first, not JSON
        text = (
            f"Formulir atau berkasnya terlalu besar. / The form or its file is too large: {detail}"
        )
        return PlainTextResponse(text, status_code=413, headers=headers)
    return JSONResponse({"detail": detail}, status_code=413, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400 and exc.detail == UNREADABLE_BODY:
        return error_response(InvalidInput(("body",), NOT_UTF8, kind="json_invalid"))
    return await http_exception_handler(request, exc)


def install_body_rules(app: FastAPI, max_bytes: int, larger: LargerBodies | None = None) -> None:
    """The limit outermost, so the NUL check reads no more than the limit allows."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_middleware(RejectNul)
    app.add_middleware(BodyLimit, max_bytes=max_bytes, larger=larger)
