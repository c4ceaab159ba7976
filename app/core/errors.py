"""Domain errors: what went wrong, named by the resource or field at fault. The HTTP edge
(app/http/errors.py) turns them into responses; nothing here knows about HTTP frameworks."""

from __future__ import annotations


class PantauError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, object]:
        return {"detail": self.message}

    def headers(self) -> dict[str, str]:
        return {}


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

    def __init__(
        self,
        location: tuple[str | int, ...],
        message: str,
        value: object = None,
        *,
        kind: str = "value_error",
    ) -> None:
        super().__init__(message)
        self.location = location
        self.value = value
        self.kind = kind

    def body(self) -> dict[str, object]:
        error: dict[str, object] = {
            "loc": list(self.location),
            "msg": self.message,
            "type": self.kind,
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


class OutsideArea(Forbidden):
    """A region-bound key asked to act outside its area: names the field, the region asked
    (None: the whole country) and the key's area."""

    def __init__(self, location: tuple[str | int, ...], region: str | None, area: str) -> None:
        asked = "the whole country" if region is None else f"region {region}"
        super().__init__(f"this key acts only for region {area} and what lies in it, not {asked}")
        self.location = location
        self.region = region
        self.area = area

    def body(self) -> dict[str, object]:
        return {
            "detail": self.message,
            "loc": list(self.location),
            "region": self.region,
            "area": self.area,
        }


class TooLarge(PantauError):
    """An upload past its size limit (a declaration's letter): names the field and the limit."""

    status_code = 413

    def __init__(self, location: tuple[str | int, ...], message: str, max_bytes: int) -> None:
        super().__init__(message)
        self.location = location
        self.max_bytes = max_bytes

    def body(self) -> dict[str, object]:
        return {"detail": self.message, "loc": list(self.location), "max_bytes": self.max_bytes}


class TooManyRequests(PantauError):
    """A rate limit: try again after `retry_after` seconds."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def body(self) -> dict[str, object]:
        return {"detail": self.message, "retry_after": self.retry_after}

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Unavailable(PantauError):
    """Something this deployment does not offer as configured (email without an SMTP server)."""

    status_code = 503
