"""Probe stage: spec → ProbeResult; never raises.

One HTTP request per probe, bounded in time (an overall deadline) and in size (a bounded
body read). Transport failures come back as data: a `FailureKind` read from the whole
exception chain, because httpx reports DNS, refused and TLS failures alike as `ConnectError`.
Only cancellation propagates.
"""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from app import __version__
from app.checks.transport import ProbeTransport, read_bounded
from app.core.check_settings import CHECK_DEFAULTS
from app.core.domain import FailureKind, ProbeResult
from app.outbound.failures import describe_error, failure_kind

USER_AGENT = f"Pantau/{__version__} (+status monitor)"


@dataclass(frozen=True, slots=True)
class ProbeSpec:
    url: str
    method: str = CHECK_DEFAULTS.method
    timeout_seconds: float = CHECK_DEFAULTS.timeout_seconds
    follow_redirects: bool = CHECK_DEFAULTS.follow_redirects
    max_body_bytes: int = 65536
    basic_auth: tuple[str, str] | None = field(default=None, repr=False)

    def auth_headers(self) -> list[tuple[bytes, bytes]]:
        if self.basic_auth is None:
            return []
        username, password = self.basic_auth
        token = base64.b64encode(f"{username}:{password}".encode())
        return [(b"Authorization", b"Basic " + token)]


class ProbeClient(httpx.AsyncClient):
    """The probe client; `probe` sends through its transport directly when it can."""

    def __init__(self, transport: ProbeTransport, **kwargs: Any) -> None:
        super().__init__(transport=transport, **kwargs)
        self.probe_transport = transport
        self.probe_headers = list(self.headers.raw)


def make_probe_client(
    max_connections: int = 100, *, pool_timeout_seconds: float = 1.0
) -> httpx.AsyncClient:
    """The one client all probes share.

    Keep-alive is off so every probe measures a real connect (and httpx's keep-alive pool
    collapses under high concurrency anyway). A short pool timeout makes the monitor's own
    saturation show up quickly as POOL_SATURATED instead of eating the probe's deadline.
    """
    return ProbeClient(
        ProbeTransport(max_connections),
        timeout=httpx.Timeout(10.0, pool=pool_timeout_seconds),
        follow_redirects=False,
        trust_env=False,  # no proxy or netrc from the environment between us and the target
        # identity: the body is read raw, so a compressed body can neither hide the markers
        # nor expand beyond max_body_bytes.
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )


async def probe(client: httpx.AsyncClient, spec: ProbeSpec) -> ProbeResult:
    """Run one request against `spec.url` and describe what happened."""
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    # httpx's timeouts are per operation; only this deadline stops a slow-drip body.
    deadline = asyncio.timeout(spec.timeout_seconds)
    try:
        async with deadline:
            status_code, headers, body = await _fetch(client, spec)
    except Exception as exc:  # CancelledError is a BaseException and propagates
        if deadline.expired():
            kind = FailureKind.DEADLINE
            error = f"TimeoutError: overall deadline of {spec.timeout_seconds:g} s exceeded"
        else:
            kind, decisive = failure_kind(exc)
            error = describe_error(exc, decisive)
        return ProbeResult(
            started_at=started_at,
            latency_ms=_elapsed_ms(started),
            failure=kind,
            error=error,
        )
    return ProbeResult(
        started_at=started_at,
        latency_ms=_elapsed_ms(started),
        status_code=status_code,
        headers=headers,
        body_excerpt=body.decode("utf-8", errors="replace"),
    )


async def _fetch(client: httpx.AsyncClient, spec: ProbeSpec) -> tuple[int, dict[str, str], bytes]:
    if isinstance(client, ProbeClient) and not spec.follow_redirects:
        return await _fetch_direct(client, spec)
    # Leaving the block closes the stream; with keep-alive off, the connection goes with it,
    # so a body we stopped reading is never drained.
    # httpx drops the Authorization header on a redirect to another origin.
    async with client.stream(
        spec.method,
        spec.url,
        headers=spec.auth_headers(),
        follow_redirects=spec.follow_redirects,
        timeout=_timeouts(client, spec),
    ) as response:
        body = await _read_bounded(response, spec.max_body_bytes)
        headers = {name.lower(): value for name, value in response.headers.items()}
        return response.status_code, headers, body


async def _fetch_direct(client: ProbeClient, spec: ProbeSpec) -> tuple[int, dict[str, str], bytes]:
    """The same request straight to the transport: a probe needs none of the client's
    layers (URL merging, cookie jar, auth and redirect loops, event hooks), and they cost
    about a fifth of its CPU."""
    status, raw_headers, body = await client.probe_transport.fetch(
        spec.method,
        spec.url,
        headers=[*client.probe_headers, *spec.auth_headers()],
        timeouts=_direct_timeouts(client, spec),
        max_body_bytes=spec.max_body_bytes,
    )
    headers = {_text(name).lower(): _text(value) for name, value in raw_headers}
    return status, headers, body


def _text(raw: bytes) -> str:
    # httpx's header decoding: ASCII, else UTF-8, else Latin-1
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _timeouts(client: httpx.AsyncClient, spec: ProbeSpec) -> httpx.Timeout:
    # The pool wait is capped at half the deadline so saturation is reported as the
    # monitor's own fault (PoolTimeout) before the deadline could blame the target.
    pool = min(client.timeout.pool or spec.timeout_seconds, spec.timeout_seconds / 2)
    return httpx.Timeout(spec.timeout_seconds, pool=pool)


def _direct_timeouts(client: httpx.AsyncClient, spec: ProbeSpec) -> dict[str, float | None]:
    """The pool wait only. Connect, write and read would each get the whole deadline, and
    `probe`'s deadline, of that length and started first, always ends the probe before any
    of them could (as DEADLINE either way): bounding each again cost a timer per step."""
    return {"pool": _timeouts(client, spec).pool, "connect": None, "read": None, "write": None}


async def _read_bounded(response: httpx.Response, limit: int) -> bytes:
    if limit <= 0:
        return b""
    if response.is_stream_consumed:  # content handed over whole, e.g. by a MockTransport
        return response.content[:limit]
    return await read_bounded(response.aiter_raw(), limit)


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
