"""PostgreSQL text cannot hold a NUL character: a NUL anywhere in a request (path, query or
JSON body) used to surface as a database error, a 500. It is refused here, before any
route runs, with a 422 naming the field, on both backends alike. The body, read once here,
is also held to strict JSON text (UTF-8, finite numbers, no lone surrogates): json_text."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import InvalidInput
from app.http.errors import error_response
from app.http.json_text import json_text_fault

NUL = "\x00"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def nul_in_json(value: Any, location: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where in a decoded JSON document a string (or an object key) holds a NUL."""
    if isinstance(value, str):
        return location if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = (*location, key) if NUL in key else nul_in_json(item, (*location, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := nul_in_json(item, (*location, index))) is not None:
                return found
    return None


def nul_in_request_line(path: str, query_string: bytes) -> tuple[str | int, ...] | None:
    if NUL in path:  # the server has already decoded the path's %-escapes
        return ("path",)
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if NUL in name or NUL in value:
            return ("query", name.replace(NUL, "\\0"))
    return None


def nul_in_body(body: bytes) -> tuple[str | int, ...] | None:
    # JSON spells NUL `\u0000`; only then is the body worth decoding here.
    if b"\\u0000" not in body.lower():
        return None
    try:
        found = nul_in_json(json.loads(body))
    except (ValueError, RecursionError):
        return None  # not JSON: the route's own validation answers
    return None if found is None else ("body", *found)


def _refusal(location: tuple[str | int, ...]) -> JSONResponse:
    # Through the one error shape: the location may hold a key that is not Unicode text.
    return error_response(InvalidInput(location, "must not contain a NUL character"))


class RejectNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = nul_in_request_line(scope["path"], scope.get("query_string", b""))
        if found is not None:
            await _refusal(found)(scope, receive, send)
            return
        if scope["method"] not in BODY_METHODS or "json" not in _content_type(scope):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if (found := nul_in_body(body)) is not None:
            await _refusal(found)(scope, receive, send)
            return
        if (fault := json_text_fault(body)) is not None:
            await error_response(fault)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _content_type(scope: Scope) -> str:
    return Headers(scope=scope).get("content-type", "").lower()


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # after the body: the disconnect, when it comes
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
