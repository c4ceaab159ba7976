"""The one HTTP handler of domain errors. Every 4xx names the resource or field at fault,
and every error body is strict JSON whatever the request held (NaN, lone surrogates, bytes)."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PantauError,
    Unauthorized,
)

log = logging.getLogger(__name__)

__all__ = ["Conflict", "Forbidden", "InvalidInput", "NotFound", "PantauError", "Unauthorized"]


# An echoed input nested deeper than this is cut: the error names the field all the same.
ECHO_MAX_DEPTH = 16


def json_safe(value: object, depth: int = 0) -> Any:
    """`value` as strict JSON can carry it: non-finite numbers spelled as JSON-ish strings
    ("NaN"), lone surrogates and undecodable bytes as backslash escapes, anything else as text."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else json.dumps(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if depth >= ECHO_MAX_DEPTH:
        return "…"
    if isinstance(value, Mapping):
        return {json_safe(str(k)): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item, depth + 1) for item in value]
    return json_safe(str(value))


def error_response(exc: PantauError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else exc.headers()
    return JSONResponse(json_safe(exc.body()), status_code=exc.status_code, headers=headers)


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PantauError)
    return error_response(exc)


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own handler echoes each input as it came, and a NaN, a lone surrogate or raw
    bytes then fail to serialise: a 500 for a request that merely was wrong."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": json_safe(exc.errors())}, status_code=422)


# The database is away (restarting, unreachable) or busy past its timeout: the request was
# fine and will succeed later, so 503 with Retry-After, never a 500.
DATABASE_UNAVAILABLE = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,  # no pooled connection came free in time
    ConnectionError,  # refused or reset while connecting, raised as it is by asyncpg
)
DATABASE_RETRY_AFTER_SECONDS = 5


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s: %s", type(exc).__name__, " ".join(str(exc).split()))
    return JSONResponse(
        {"detail": "database unavailable; try again shortly"},
        status_code=503,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def install_error_handler(app: FastAPI) -> None:
    app.add_exception_handler(PantauError, _handle)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, _database_unavailable)
