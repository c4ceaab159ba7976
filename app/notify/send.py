"""Send one signed delivery: (url, body, headers) → AttemptResult; never raises.

Runs outside any database transaction. One overall deadline bounds the whole attempt (httpx
timeouts are per operation), the response body is read only up to the excerpt size, and
redirects are never followed: a 3xx is an answer, recorded like any other.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import UTC, datetime
from typing import cast

import httpx

from app.core.delivery_policy import AttemptResult
from app.notify.ssrf import BlockedAddress
from app.outbound.failures import describe_error, exception_chain, failure_kind

EXCERPT_BYTES = 2048


async def post(
    client: httpx.AsyncClient, *, url: str, body: str, headers: dict[str, str], seconds: float
) -> AttemptResult:
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            status, retry_after, excerpt = await _exchange(client, url, body, headers, seconds)
    except Exception as exc:  # CancelledError is a BaseException and propagates
        error_class, error = _describe(exc, deadline.expired(), seconds)
        return AttemptResult(started_at, _elapsed_ms(started), error_class=error_class, error=error)
    return AttemptResult(
        started_at,
        _elapsed_ms(started),
        status_code=status,
        response_excerpt=excerpt,
        retry_after=retry_after,
    )


async def _exchange(
    client: httpx.AsyncClient, url: str, body: str, headers: dict[str, str], seconds: float
) -> tuple[int, str | None, str]:
    request = client.build_request(
        "POST", url, content=body.encode(), headers=headers, timeout=seconds
    )
    response = await client.send(request, stream=True, follow_redirects=False)
    try:
        excerpt = await _read_excerpt(response)
    finally:
        await response.aclose()
    return response.status_code, response.headers.get("retry-after"), excerpt


async def _read_excerpt(response: httpx.Response) -> str:
    data = bytearray()
    # aiter_raw is an async generator (typed as a bare iterator): close it when we stop early
    raw = cast(AsyncGenerator[bytes, None], response.aiter_raw())
    async with aclosing(raw) as chunks:
        async for chunk in chunks:
            data += chunk[: EXCERPT_BYTES - len(data)]
            if len(data) >= EXCERPT_BYTES:
                break
    return data.decode("utf-8", errors="replace")


def _describe(exc: Exception, expired: bool, seconds: float) -> tuple[str, str]:
    if expired:
        return "timeout", f"TimeoutError: no answer within {seconds:g} s"
    blocked = next((e for e in exception_chain(exc) if isinstance(e, BlockedAddress)), None)
    if blocked is not None:
        return "blocked_address", f"BlockedAddress: {blocked}"
    kind, decisive = failure_kind(exc)
    return str(kind), describe_error(exc, decisive)


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
