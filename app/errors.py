"""Domain errors and their one HTTP handler. Every 4xx names the resource or field at fault."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


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


def install_error_handler(app: FastAPI) -> None:
    app.add_exception_handler(PantauError, _handle)
