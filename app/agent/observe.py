"""Probe one target: did it answer over HTTP, with what status, how fast. Transport failures
are data here (a coarse kind), never exceptions. The body is never read."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from app.agent.config import Target
from app.core.vantage import Role


@dataclass(frozen=True, slots=True)
class Observation:
    target: str
    role: Role
    observed_at: datetime  # the agent's clock; the server corrects it
    reachable: bool
    status_code: int | None
    latency_ms: float
    failure: str | None


def failure_kind(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect"  # refused, unreachable, DNS: all "not reached" from inside
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "protocol"
    return "other"


async def observe(
    client: httpx.AsyncClient, target: Target, *, deadline_seconds: float
) -> Observation:
    """`deadline_seconds` bounds the whole exchange; httpx's own timeouts are per phase."""
    observed_at = datetime.now(UTC)
    started = time.monotonic()
    status_code: int | None = None
    failure: str | None = None
    try:
        async with (
            asyncio.timeout(deadline_seconds),
            client.stream("GET", target.url) as response,
        ):
            status_code = response.status_code
    except TimeoutError:
        failure = "timeout"
    except (httpx.HTTPError, OSError) as exc:
        failure = failure_kind(exc)
    latency_ms = round((time.monotonic() - started) * 1000, 1)
    reachable = status_code is not None
    return Observation(
        target.name, target.role, observed_at, reachable, status_code, latency_ms, failure
    )
