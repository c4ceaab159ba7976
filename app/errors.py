"""Domain errors and their one HTTP handler. Every 4xx names the resource or field at fault."""

from __future__ import annotations

import logging

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)


class PantauError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, object]:
        return {"detail": self.message}


class NotFound(PantauError):
    status_code = 404

    def __init__(self, resource: str, key: object) -> None:
        super().__init__(f"{resource} {key!r} not found")
        self.resource = resource
        self.key = key

    def body(self) -> dict[str, object]:
        return {"detail": self.message, "resource": self.resource, "key": str(self.key)}


class InvalidInput(PantauError):
    """Shaped like FastAPI's own validation errors, so clients parse one format."""

    status_code = 422

    def __init__(self, location: tuple[str | int, ...], message: str, value: object = None) -> None:
        super().__init__(message)
        self.location = location
        self.value = value

    def body(self) -> dict[str, object]:
        error: dict[str, object] = {
            "loc": list(self.location),
            "msg": self.message,
            "type": "value_error",
        }
        if self.value is not None:
            error["input"] = self.value
        return {"detail": [error]}


class Conflict(PantauError):
    status_code = 409


class Unauthorized(PantauError):
    status_code = 401


class Forbidden(PantauError):
    status_code = 403


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PantauError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)


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
    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, _database_unavailable)
