"""Just enough HTTP/1.1 to look like a real endpoint, and nothing that could get in the way.

The simulator owns its sockets so hostile behaviours (hang, drip, reset, garbage) are exact,
and it must outrun the monitor it feeds in benchmarks; a full HTTP library would take away
both. So this parser reads one request head with a hard size bound, understands only the
headers that decide framing (`Content-Length`, `Transfer-Encoding`, `Connection`), and
rejects everything else it cannot frame safely instead of guessing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus

MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 4 * 1024 * 1024  # a bulk PUT of every region code fits comfortably
SERVER_NAME = "pantau-sim"

_REASONS = {s.value: s.phrase for s in HTTPStatus}
_VERSIONS = {b"HTTP/1.1": True, b"HTTP/1.0": False}  # value: keep-alive by default


class BadRequest(Exception):
    """A request the server answers with `status` and then closes the connection on."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class Request:
    method: str
    path: str
    keep_alive: bool
    body: bytes = b""

    @property
    def head_only(self) -> bool:
        return self.method == "HEAD"


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on the connection, or None when the client closed it cleanly."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None  # EOF between or inside requests: either way nobody is waiting.
    except asyncio.LimitOverrunError:
        raise BadRequest(431, "request header fields too large") from None
    request, length = parse_head(head)
    if length:
        request.body = await reader.readexactly(length)
    return request


def parse_head(head: bytes) -> tuple[Request, int]:
    """Parse a request head (ending in CRLFCRLF) into a Request and its body length."""
    # RFC 9112 §2.2: a server should ignore empty lines before the request line.
    lines = head.lstrip(b"\r\n").split(b"\r\n")
    method, target, keep_alive = _request_line(lines[0])
    length, keep_alive = _framing_headers(lines[1:], keep_alive)
    path = target.split(b"?", 1)[0].decode("latin-1")
    return Request(method=method, path=path, keep_alive=keep_alive), length


def _request_line(line: bytes) -> tuple[str, bytes, bool]:
    parts = line.split(b" ")
    if len(parts) != 3 or not parts[0].isalpha():
        raise BadRequest(400, "malformed request line")
    method, target, version = parts
    keep_alive = _VERSIONS.get(version)
    if keep_alive is None:
        raise BadRequest(505, "only HTTP/1.0 and HTTP/1.1 are supported")
    if not target.startswith(b"/"):
        raise BadRequest(400, "request target must be an absolute path")
    return method.decode("ascii"), target, keep_alive


def _framing_headers(lines: list[bytes], keep_alive: bool) -> tuple[int, bool]:
    length = 0
    for line in lines:
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep or name != name.strip():
            raise BadRequest(400, "malformed header line")
        name = name.lower()
        if name == b"content-length":
            length = _content_length(value, length)
        elif name == b"transfer-encoding":
            # Chunked request bodies are never needed by probes or the control API; refusing
            # them keeps framing unambiguous.
            raise BadRequest(501, "Transfer-Encoding in requests is not supported")
        elif name == b"connection":
            keep_alive = _connection_keep_alive(value, keep_alive)
    return length, keep_alive


def _content_length(value: bytes, previous: int) -> int:
    value = value.strip()
    if not value.isdigit():
        raise BadRequest(400, "invalid Content-Length")
    length = int(value)
    if previous and length != previous:
        raise BadRequest(400, "conflicting Content-Length headers")
    if length > MAX_BODY_BYTES:
        raise BadRequest(413, f"request body larger than {MAX_BODY_BYTES} bytes")
    return length


def _connection_keep_alive(value: bytes, default: bool) -> bool:
    tokens = {t.strip() for t in value.lower().split(b",")}
    if b"close" in tokens:
        return False
    return default or b"keep-alive" in tokens


def response_head(
    status: int,
    content_type: str,
    length: int,
    keep_alive: bool,
    extra: str = "",
) -> bytes:
    """A complete response head; `extra` is pre-formatted `Name: value\\r\\n` lines."""
    connection = "keep-alive" if keep_alive else "close"
    return (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}\r\n"
        f"Server: {SERVER_NAME}\r\nDate: {http_date()}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n"
        f"Connection: {connection}\r\n{extra}\r\n"
    ).encode("latin-1")


_date_second = 0
_date_text = ""


def http_date() -> str:
    # Formatting a date costs more than the rest of a healthy response; once a second is enough.
    global _date_second, _date_text
    now = int(time.time())
    if now != _date_second:
        _date_second, _date_text = now, formatdate(now, usegmt=True)
    return _date_text
