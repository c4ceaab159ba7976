"""The probe client's transport: one HTTP/1.1 connection per request over plain asyncio
(`netio`), at most `max_connections` at once.

Keep-alive is off for probes, so httpcore's connection pool has nothing to pool: its
bookkeeping, and httpx's request and response models around it, cost a third of a probe's
CPU. `fetch` skips them and httpcore's connection too (`exchange`); `handle_async_request`
serves httpx clients (redirect-following probes) through httpcore on the same slots. Errors
are httpx's, raised from httpcore's as httpx raises them, so
`app.outbound.failures.failure_kind` reads either path the same.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import aclosing, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import httpcore
import httpx

from app.checks.exchange import exchange
from app.checks.netio import AsyncioBackend
from app.outbound.tls import verified_tls

Headers = list[tuple[bytes, bytes]]

_ERRORS: dict[type[Exception], type[httpx.HTTPError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
}


@contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except httpcore.ProxyError as exc:
        raise httpx.ProxyError(str(exc)) from exc
    except Exception as exc:
        for kind in type(exc).__mro__:
            if kind in _ERRORS:
                raise _ERRORS[kind](str(exc)) from exc
        raise


@dataclass(frozen=True, slots=True)
class Target:
    url: httpcore.URL
    origin: httpcore.Origin
    host_header: bytes
    host: str  # what to connect to (and the TLS server name): the origin's host, as text
    is_https: bool


# Sized for 100,000 services' URLs (about 0.4 KB each): a smaller cache, cycled through once
# an interval, would miss on every probe.
@lru_cache(maxsize=131_072)
def target(url: str) -> Target:
    """A probe URL parsed once (httpx's parser, so both paths agree on what it means)."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https"):
        raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{url}'")
    if not parsed.host:
        raise httpx.UnsupportedProtocol(f"Request URL is missing a host: '{url}'")
    core = httpcore.URL(
        scheme=parsed.raw_scheme, host=parsed.raw_host, port=parsed.port, target=parsed.raw_path
    )
    origin = core.origin
    return Target(
        core, origin, parsed.netloc, origin.host.decode("ascii"), origin.scheme == b"https"
    )


class ProbeTransport(httpx.AsyncBaseTransport):
    def __init__(self, max_connections: int, ssl_context: ssl.SSLContext | None = None) -> None:
        self.max_connections = max_connections
        self._slots = asyncio.Semaphore(max_connections)
        self._ssl_context = ssl_context or verified_tls()
        self._backend = AsyncioBackend()

    async def fetch(
        self,
        method: str,
        url: str,
        *,
        headers: Headers,
        timeouts: dict[str, float | None],
        max_body_bytes: int,
    ) -> tuple[int, Headers, bytes]:
        """One request: status, raw headers and at most `max_body_bytes` of the body."""
        where = target(url)
        with _httpx_errors():
            await self._take_slot(timeouts.get("pool"))
            try:
                return await exchange(
                    self._backend,
                    scheme_is_https=where.is_https,
                    host=where.host,
                    port=where.origin.port,
                    method=method,
                    target=where.url.target,
                    headers=[(b"Host", where.host_header), *headers],
                    timeouts=timeouts,
                    max_body_bytes=max_body_bytes,
                    ssl_context=self._ssl_context,
                )
            finally:
                self._slots.release()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        where = target(str(request.url))
        core_request = httpcore.Request(
            request.method,
            where.url,
            headers=request.headers.raw,
            content=request.stream,  # type: ignore[arg-type]
            extensions=request.extensions,
        )
        timeouts = request.extensions.get("timeout", {})
        with _httpx_errors():
            await self._take_slot(timeouts.get("pool"))
            connection = self._connection(where.origin)
            try:
                response = await connection.handle_async_request(core_request)
            except BaseException:
                await _close(connection, self._slots.release)
                raise
        stream = _ConnectionStream(response, connection, self._slots.release)
        return httpx.Response(
            response.status, headers=response.headers, stream=stream, extensions=response.extensions
        )

    async def _take_slot(self, wait_seconds: float | None) -> None:
        if not self._slots.locked():  # a free slot: no wait to bound
            await self._slots.acquire()
            return
        try:
            async with asyncio.timeout(wait_seconds):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise httpcore.PoolTimeout(
                f"no connection slot free within {wait_seconds} s ({self.max_connections} in use)"
            ) from exc

    def _connection(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        return httpcore.AsyncHTTPConnection(
            origin, ssl_context=self._ssl_context, network_backend=self._backend
        )


async def _close(connection: httpcore.AsyncHTTPConnection, release: Callable[[], None]) -> None:
    try:
        await connection.aclose()
    finally:
        release()  # the slot comes back whatever closing did


class _ConnectionStream(httpx.AsyncByteStream):
    def __init__(
        self,
        response: httpcore.Response,
        connection: httpcore.AsyncHTTPConnection,
        release: Callable[[], None],
    ) -> None:
        self._response = response
        self._connection = connection
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for chunk in self._response.aiter_stream():
                yield chunk

    async def aclose(self) -> None:
        if self._release is None:
            return
        release, self._release = self._release, None
        try:
            with _httpx_errors():
                await self._response.aclose()
                await self._connection.aclose()
        finally:
            release()


async def read_bounded(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """At most `limit` bytes: a huge or endless body must not cost more than that."""
    body = bytearray()
    if limit <= 0:
        return b""
    # the streams are async generators (typed as bare iterators): close them when we stop early
    async with aclosing(cast(AsyncGenerator[bytes, None], chunks)) as stream:
        async for chunk in stream:
            body += chunk[: limit - len(body)]
            if len(body) >= limit:
                break
    return bytes(body)
