"""What a simulated region endpoint does when probed.

A `Behaviour` is plain, validated, immutable data so that the Python API, the HTTP control
API and the command line all share one definition of "valid" — a typo in an end-to-end test
then fails loudly at set-up instead of silently probing a healthy endpoint.

The modes split in two families:

* *answering* modes send one complete, well-formed HTTP response (`healthy`, `slow`, `error`,
  `maintenance`, `policy_marker`, `legal`, `wrong_content`); `canned_response` describes it;
* *hostile* modes misbehave at the connection level (`hang`, `slow_drip`, `reset`,
  `huge_body`, `invalid_http`, `endless_body`, `body_100mb`, `huge_headers`,
  `redirect_loop`); the server drives those itself because they need the socket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, TypeGuard


class Mode(StrEnum):
    HEALTHY = "healthy"
    SLOW = "slow"
    ERROR = "error"
    MAINTENANCE = "maintenance"
    POLICY_MARKER = "policy_marker"
    LEGAL = "legal"
    HANG = "hang"
    SLOW_DRIP = "slow_drip"
    RESET = "reset"
    HUGE_BODY = "huge_body"
    WRONG_CONTENT = "wrong_content"
    INVALID_HTTP = "invalid_http"
    ENDLESS_BODY = "endless_body"
    BODY_100MB = "body_100mb"
    HUGE_HEADERS = "huge_headers"
    REDIRECT_LOOP = "redirect_loop"


HOSTILE_MODES = frozenset(
    {
        Mode.HANG,
        Mode.SLOW_DRIP,
        Mode.RESET,
        Mode.HUGE_BODY,
        Mode.INVALID_HTTP,
        Mode.ENDLESS_BODY,
        Mode.BODY_100MB,
        Mode.HUGE_HEADERS,
        Mode.REDIRECT_LOOP,
    }
)

# A "slow" endpoint with no delay would be indistinguishable from a healthy one.
DEFAULT_SLOW_DELAY_MS = 1000
DEFAULT_DRIP_INTERVAL_MS = 500
MAINTENANCE_RETRY_AFTER = 600

MAX_DELAY_MS = 3_600_000
MAX_BODY_CHARS = 65_536
MAX_RETRY_AFTER_SECONDS = 31_536_000

POLICY_MARKER_TEXT = "Hak akses layanan adminduk telah dicabut oleh pusat"
MAINTENANCE_TEXT = "Layanan sedang dalam pemeliharaan (maintenance)"
WRONG_CONTENT_HTML = "<html>Halaman tidak ditemukan</html>"

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"

# Statuses whose responses may not carry a body would make the simulator itself emit
# malformed HTTP, which is `invalid_http`'s job, not an accident of configuration.
_BODYLESS_STATUSES = frozenset({204, 205, 304})
_HEADER_VALUE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?")


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How one region code answers.

    `delay_ms` postpones whatever the mode does (so `error` or `reset` can also be slow;
    `slow` defaults to 1 s) except in `slow_drip`, where it is the interval between bytes
    (default 500 ms). `status`, `retry_after` and `body` override an answering mode's
    defaults.
    """

    mode: Mode = Mode.HEALTHY
    delay_ms: int = 0
    status: int | None = None
    retry_after: int | str | None = None
    body: str | None = None

    def __post_init__(self) -> None:
        try:
            mode = Mode(self.mode)
        except ValueError:
            raise ValueError(
                f"unknown mode {self.mode!r}; expected one of {_mode_list()}"
            ) from None
        object.__setattr__(self, "mode", mode)
        _check_delay(self.delay_ms)
        _check_status(self.status)
        _check_retry_after(self.retry_after)
        _check_body(self.body)

    @property
    def is_default(self) -> bool:
        return self == HEALTHY

    @property
    def wait_ms(self) -> int:
        """How long the endpoint waits after reading the request before it acts."""
        if self.mode is Mode.SLOW_DRIP:
            return 0  # here delay_ms is the interval between bytes instead
        if self.mode is Mode.SLOW:
            return self.delay_ms or DEFAULT_SLOW_DELAY_MS
        return self.delay_ms

    @property
    def drip_interval_ms(self) -> int:
        return self.delay_ms or DEFAULT_DRIP_INTERVAL_MS

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "delay_ms": self.delay_ms,
            "status": self.status,
            "retry_after": self.retry_after,
            "body": self.body,
        }

    @classmethod
    def from_json(cls, data: Any, *, ignore: frozenset[str] = frozenset()) -> Behaviour:
        """Build from a decoded JSON object; raises ValueError with a user-facing message."""
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        unknown = set(data) - _FIELD_NAMES - ignore
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
        if "mode" not in data:
            raise ValueError(f"missing 'mode'; expected one of {_mode_list()}")
        params = {name: data[name] for name in _FIELD_NAMES if data.get(name) is not None}
        return cls(**params)


@dataclass(frozen=True, slots=True)
class Canned:
    """One complete response of an answering mode, before HTTP framing."""

    status: int
    content_type: str
    body: bytes
    retry_after: int | str | None = None


def canned_response(behaviour: Behaviour, code: str) -> Canned:
    """The response an answering mode sends for `code` (hostile modes have none)."""
    status, content_type, text, retry_after = _DEFAULTS[behaviour.mode](code)
    if behaviour.body is not None:
        text = behaviour.body
    return Canned(
        status=behaviour.status or status,
        content_type=content_type,
        body=text.encode(),
        retry_after=behaviour.retry_after if behaviour.retry_after is not None else retry_after,
    )


def healthy_body(code: str) -> bytes:
    # Region codes are validated to [A-Za-z0-9._-], so no JSON escaping is needed; this is
    # the hot path of every benchmark, so json.dumps is deliberately avoided.
    return b'{"status":"ok","service":"siak","region":"%s"}' % code.encode()


def _healthy(code: str) -> tuple[int, str, str, int | None]:
    return 200, JSON, healthy_body(code).decode(), None


def _error(code: str) -> tuple[int, str, str, int | None]:
    return 500, TEXT, f"Gangguan server SIAK wilayah {code}", None


def _maintenance(_code: str) -> tuple[int, str, str, int | None]:
    return 503, TEXT, MAINTENANCE_TEXT, MAINTENANCE_RETRY_AFTER


def _policy_marker(_code: str) -> tuple[int, str, str, int | None]:
    return 403, TEXT, POLICY_MARKER_TEXT, None


def _legal(_code: str) -> tuple[int, str, str, int | None]:
    return 451, TEXT, "Unavailable For Legal Reasons: akses layanan diblokir", None


def _wrong_content(_code: str) -> tuple[int, str, str, int | None]:
    return 200, HTML, WRONG_CONTENT_HTML, None


_DEFAULTS = {
    Mode.HEALTHY: _healthy,
    Mode.SLOW: _healthy,
    Mode.ERROR: _error,
    Mode.MAINTENANCE: _maintenance,
    Mode.POLICY_MARKER: _policy_marker,
    Mode.LEGAL: _legal,
    Mode.WRONG_CONTENT: _wrong_content,
}


def _mode_list() -> str:
    return ", ".join(m.value for m in Mode)


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass; `"status": true` in JSON is a mistake, not status 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_delay(value: object) -> None:
    if not _is_int(value) or not 0 <= value <= MAX_DELAY_MS:
        raise ValueError(f"delay_ms must be an integer from 0 to {MAX_DELAY_MS}")


def _check_status(value: object) -> None:
    if value is None:
        return
    if not _is_int(value) or not 200 <= value <= 599 or value in _BODYLESS_STATUSES:
        raise ValueError("status must be an integer from 200 to 599 (not 204, 205 or 304)")


def _check_retry_after(value: object) -> None:
    if value is None:
        return
    if _is_int(value) and 0 <= value <= MAX_RETRY_AFTER_SECONDS:
        return
    # Strings allow HTTP-dates; the pattern also keeps CR/LF out of the header.
    if isinstance(value, str) and _HEADER_VALUE.fullmatch(value):
        return
    raise ValueError(
        f"retry_after must be seconds (0 to {MAX_RETRY_AFTER_SECONDS}) "
        "or a printable ASCII string of at most 64 characters"
    )


def _check_body(value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str) or len(value) > MAX_BODY_CHARS:
        raise ValueError(f"body must be a string of at most {MAX_BODY_CHARS} characters")


# Defined last: constructing a Behaviour runs the validators above.
HEALTHY = Behaviour()
_FIELD_NAMES = frozenset(f.name for f in fields(Behaviour))
