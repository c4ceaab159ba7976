"""Outbound HTTP failures read as data: an exception from httpx (or the plain-asyncio probe
transport) → the transport failure it stands for, and a bounded one-line description. Shared by
the prober and the webhook sender, so both name a refused or timed-out peer the same way."""

from __future__ import annotations

import errno
import socket
import ssl

import httpx

from app.core.domain import FailureKind

ERROR_MAX_CHARS = 300
_CHAIN_MAX_LINKS = 64  # a guard against pathological exception chains


def exception_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception behind it: causes, contexts and exception-group members,
    breadth first (the outermost first), each once."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    queue: list[BaseException] = [exc]
    while queue and len(chain) < _CHAIN_MAX_LINKS:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        chain.append(current)
        if isinstance(current, BaseExceptionGroup):
            queue.extend(current.exceptions)
        queue.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return chain


def _link_kind(link: BaseException, connecting: bool) -> FailureKind | None:
    """What one exception of the chain says on its own; checks in precedence order."""
    if isinstance(link, httpx.PoolTimeout):
        return FailureKind.POOL_SATURATED
    if isinstance(link, httpx.ConnectTimeout):
        return FailureKind.CONNECT_TIMEOUT
    if isinstance(link, httpx.ReadTimeout | httpx.WriteTimeout):
        return FailureKind.READ_TIMEOUT
    if isinstance(link, socket.gaierror):
        return FailureKind.DNS
    if isinstance(link, ssl.SSLError):
        return FailureKind.TLS
    if isinstance(link, ConnectionRefusedError) or _has_errno(link, errno.ECONNREFUSED):
        return FailureKind.REFUSED
    if _has_errno(link, errno.ENETUNREACH, errno.EHOSTUNREACH):
        return FailureKind.UNREACHABLE
    is_reset = isinstance(link, ConnectionResetError) or _has_errno(link, errno.ECONNRESET)
    if is_reset and connecting:
        return FailureKind.REFUSED  # reset before any request went out: a refusal
    if is_reset or isinstance(link, _PROTOCOL_ERRORS):
        return FailureKind.PROTOCOL  # the connection broke after it was made
    return None


_PROTOCOL_ERRORS = (
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
    BrokenPipeError,
    ConnectionAbortedError,
)
_PRECEDENCE = (
    FailureKind.POOL_SATURATED,
    FailureKind.CONNECT_TIMEOUT,
    FailureKind.READ_TIMEOUT,
    FailureKind.DNS,
    FailureKind.TLS,
    FailureKind.REFUSED,  # before UNREACHABLE: one address of several answered at all
    FailureKind.UNREACHABLE,
    FailureKind.PROTOCOL,
)


def _has_errno(exc: BaseException, *codes: int) -> bool:
    return isinstance(exc, OSError) and exc.errno in codes


def failure_kind(exc: BaseException) -> tuple[FailureKind, BaseException]:
    """The transport failure `exc` stands for, and the exception in its chain that says so.

    The most telling exception anywhere in the chain decides (a gaierror deep inside a
    ConnectError means DNS); among equals, the innermost, as the root cause reads best.
    """
    chain = exception_chain(exc)
    connecting = any(isinstance(e, httpx.ConnectError | httpx.ConnectTimeout) for e in chain)
    found = [(kind, link) for link in reversed(chain) if (kind := _link_kind(link, connecting))]
    if not found:
        return FailureKind.OTHER, exc
    return min(found, key=lambda pair: _PRECEDENCE.index(pair[0]))


def describe_error(exc: BaseException, decisive: BaseException | None = None) -> str:
    """`exc` as "ClassName: message", plus the deciding cause when it is another one;
    bounded, as it is stored as evidence."""
    text = _one_line(exc)
    if decisive is not None and decisive is not exc:
        # httpcore often repeats the cause's message: then say it once
        outer = type(exc).__name__ if str(exc) == str(decisive) else text
        text = f"{outer} <- {_one_line(decisive)}"
    if len(text) > ERROR_MAX_CHARS:
        text = text[: ERROR_MAX_CHARS - 1] + "…"
    return text


def _one_line(exc: BaseException) -> str:
    message = " ".join(str(exc).split())
    name = type(exc).__name__
    return f"{name}: {message}" if message else name
