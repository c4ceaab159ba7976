"""The simulator's HTTP server: `/r/{code}` behaves like a regional e-KTP endpoint,
`/_sim/` controls it.

It runs on the caller's event loop (no thread), so a test can start it, flip a region into
`hang` and assert on the monitor in the same coroutine. Every open connection is tracked so
`stop()` can end hung and dripping clients at once — otherwise one hostile test would keep
the next one waiting. It only binds loopback unless told otherwise: a server whose job is to
misbehave should not be reachable from the network by accident.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ipaddress
import logging
import socket
import ssl
from types import TracebackType
from typing import Any

from . import control
from .behaviours import HEALTHY, HOSTILE_MODES, JSON, TEXT, Behaviour, canned_response, healthy_body
from .hostile import HANDLERS, Exchange
from .http11 import MAX_HEADER_BYTES, BadRequest, Request, read_request, response_head
from .registry import Registry, is_valid_code

log = logging.getLogger(__name__)

PROBE_PREFIX = "/r/"
# Long enough for any test's pause between keep-alive requests, short enough that abandoned
# connections from benchmarks do not pile up.
IDLE_TIMEOUT_S = 30.0
STOP_GRACE_S = 2.0

_held_socket: socket.socket | None = None


def closed_port_url(path: str = "/") -> str:
    """A loopback URL on which every connection attempt is refused.

    The port stays bound (never listening) for the life of the process, so nothing else can
    start listening on it between this call and the test's probe.
    """
    global _held_socket
    if _held_socket is None:
        _held_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        _held_socket.bind(("127.0.0.1", 0))
        atexit.register(_held_socket.close)
    port = _held_socket.getsockname()[1]
    return f"http://127.0.0.1:{port}/{path.lstrip('/')}"


class Simulator:
    """Loopback HTTP server imitating regional e-KTP endpoints; see the package docstring."""

    def __init__(
        self, registry: Registry | None = None, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        """`ssl_context` serves HTTPS with its certificate: a test hands it one the monitor
        does not trust (a bad certificate) or one it does."""
        self.registry = registry if registry is not None else Registry()
        self.ssl_context = ssl_context
        self._server: asyncio.Server | None = None
        self._host = ""
        self._port = 0
        self._connections: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}
        self._stopped = asyncio.Event()

    # -- lifecycle -----------------------------------------------------------------------

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, *, allow_non_loopback: bool = False
    ) -> Simulator:
        if self._server is not None:
            raise RuntimeError("simulator already started")
        host = _bind_host(host, allow_non_loopback)
        self._server = await asyncio.start_server(
            self._on_connection,
            host,
            port,
            limit=MAX_HEADER_BYTES,
            reuse_address=True,
            ssl=self.ssl_context,
            ssl_handshake_timeout=STOP_GRACE_S if self.ssl_context else None,
        )
        self._host, self._port = host, self._server.sockets[0].getsockname()[1]
        self._stopped.clear()
        log.info("endpoint simulator listening on %s", self.base_url)
        return self

    async def stop(self) -> None:
        """Stop listening and abort every open connection, hung or dripping ones included."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        tasks = list(self._connections)
        for task, writer in self._connections.items():
            writer.transport.abort()
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_GRACE_S)
        await server.wait_closed()
        self._stopped.set()
        log.info("endpoint simulator on port %d stopped", self._port)

    async def serve_forever(self) -> None:
        """Wait until `stop()` is called (from a signal handler, another task, ...)."""
        if self._server is None:
            raise RuntimeError("simulator not started")
        await self._stopped.wait()

    async def __aenter__(self) -> Simulator:
        if self._server is None:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- addresses -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("simulator not started")
        return self._port

    @property
    def base_url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{host}:{self.port}"

    def url_for(self, code: str) -> str:
        return f"{self.base_url}{PROBE_PREFIX}{code}"

    # -- behaviours and hits (delegated so tests need only the Simulator) ----------------

    def set(self, code: str, behaviour: Behaviour) -> None:
        self.registry.set(code, behaviour)

    def set_many(self, codes: list[str], behaviour: Behaviour) -> int:
        return self.registry.set_many(codes, behaviour)

    def clear(self, code: str) -> None:
        self.registry.clear(code)

    def reset(self) -> None:
        self.registry.reset()

    def behaviour(self, code: str) -> Behaviour:
        return self.registry.behaviour(code)

    def hits(self, code: str) -> int:
        return self.registry.hits(code)

    def hit_times(self, code: str) -> list[float]:
        return self.registry.hit_times(code)

    # -- connections ---------------------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if self._server is None or task is None:
            # Accepted in the instant before stop(): it would escape stop()'s sweep.
            writer.transport.abort()
            return
        self._connections[task] = writer
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the client went away or idled out: normal for a probe target
        except asyncio.CancelledError:
            # Only stop() or loop shutdown cancel these top-level tasks, and nothing awaits
            # them; ending normally avoids a spurious traceback from Python 3.11's streams.
            pass
        except Exception:
            log.exception("simulator connection failed")
        finally:
            self._connections.pop(task, None)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        keep_alive = True
        while keep_alive:
            try:
                async with asyncio.timeout(IDLE_TIMEOUT_S):
                    request = await read_request(reader)
            except BadRequest as exc:
                _write(writer, exc.status, TEXT, exc.message.encode(), keep_alive=False)
                return
            if request is None:
                return
            keep_alive = await self._dispatch(request, reader, writer)
            await writer.drain()

    async def _dispatch(
        self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        path = request.path
        if path.startswith(PROBE_PREFIX):
            return await self._probe(request, path[len(PROBE_PREFIX) :], reader, writer)
        if path.startswith(control.PREFIX):
            status, payload, extra = control.route(
                self.registry, request.method, path, request.body
            )
            _write(writer, status, JSON, control.encode(payload), request.keep_alive, extra)
            return request.keep_alive
        return _not_found(writer, request, f"no such path {path}; probes live under /r/{{code}}")

    async def _probe(
        self,
        request: Request,
        code: str,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        if not is_valid_code(code):
            return _not_found(writer, request, f"invalid region code {code!r}")
        if request.method not in ("GET", "HEAD"):
            extra = "Allow: GET, HEAD\r\n"
            _write(writer, 405, TEXT, b"method not allowed", request.keep_alive, extra)
            return request.keep_alive
        self.registry.record_hit(code)
        behaviour = self.registry.behaviour(code)
        if behaviour is HEALTHY:
            # The benchmark path: no lookups, no allocation beyond the response itself.
            _write(
                writer, 200, JSON, healthy_body(code), request.keep_alive, head=request.head_only
            )
            return request.keep_alive
        if behaviour.wait_ms:
            await asyncio.sleep(behaviour.wait_ms / 1000)
        if behaviour.mode in HOSTILE_MODES:
            return await HANDLERS[behaviour.mode](
                behaviour, Exchange(request, code, reader, writer)
            )
        return _answer(behaviour, request, code, writer)


def _answer(
    behaviour: Behaviour, request: Request, code: str, writer: asyncio.StreamWriter
) -> bool:
    canned = canned_response(behaviour, code)
    extra = f"Retry-After: {canned.retry_after}\r\n" if canned.retry_after is not None else ""
    _write(
        writer,
        canned.status,
        canned.content_type,
        canned.body,
        request.keep_alive,
        extra,
        head=request.head_only,
    )
    return request.keep_alive


def _not_found(writer: asyncio.StreamWriter, request: Request, message: str) -> bool:
    _write(writer, 404, TEXT, message.encode(), request.keep_alive, head=request.head_only)
    return request.keep_alive


def _write(
    writer: asyncio.StreamWriter,
    status: int,
    content_type: str,
    body: bytes,
    keep_alive: bool,
    extra: str = "",
    *,
    head: bool = False,
) -> None:
    # One write per response: a single send() on the wire and no Nagle interplay.
    data = response_head(status, content_type, len(body), keep_alive, extra)
    writer.write(data if head else data + body)


def _bind_host(host: str, allow_non_loopback: bool) -> str:
    # "localhost" can resolve to two addresses, which with port 0 would mean two ports.
    if host == "localhost":
        return "127.0.0.1"
    if allow_non_loopback:
        return host
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_loopback:
            return host
    raise ValueError(f"refusing to bind {host!r}: the simulator binds loopback addresses only")
