"""Plain-asyncio network I/O for the probe client's connections (httpcore's network
backend interface), in place of the anyio one httpx picks by default.

The anyio layer (a cancel scope and a task lookup per read and write, a task group per
connect) cost about a third of a probe's CPU (py-spy, 10,000 services at 60 s). This one
raises what httpcore's own backend raises, with the OS error as the cause, so httpx's
exception tree and `failure_kind` (app/outbound) read the same: `ConnectError` from `gaierror`,
`ConnectionRefusedError` or `ssl.SSLError`; `ConnectTimeout`, `ReadTimeout`, `ReadError`.
"""

# The `timeout` parameters are httpcore's interface, applied with asyncio.timeout inside.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
from httpcore._utils import is_socket_readable

READ_LIMIT = 65536


class AsyncioStream(httpcore.AsyncNetworkStream):
    __slots__ = ("_reader", "_writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            if timeout is None:  # unbounded here (the probe's deadline bounds it): no timer
                return await self._reader.read(max_bytes)
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            if timeout is None:
                self._writer.write(buffer)
                await self._writer.drain()
                return
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            self._writer.close()
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:  # ssl.SSLError is an OSError
            self._writer.close()
            raise httpcore.ConnectError(str(exc)) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":
            return is_socket_readable(self._writer.get_extra_info("socket"))
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            if timeout is None:
                reader, writer = await _connect(host, port, local_address)
            else:
                async with asyncio.timeout(timeout):
                    reader, writer = await _connect(host, port, local_address)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:  # socket.gaierror and ConnectionRefusedError are OSErrors
            raise httpcore.ConnectError(str(exc)) from exc
        for option in socket_options or ():
            writer.get_extra_info("socket").setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not probed")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connect(
    host: str, port: int, local_address: str | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Every resolved address in turn. When all fail, the failures are kept the way anyio
    keeps them (an OSError caused by a group), so a refusal on each is still a refusal."""
    local = (local_address, 0) if local_address else None
    if _is_ip(host):
        return await asyncio.open_connection(host, port, limit=READ_LIMIT, local_addr=local)
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    errors: list[OSError] = []
    for family, _, _, _, address in infos:
        try:
            return await asyncio.open_connection(
                str(address[0]), port, family=family, limit=READ_LIMIT, local_addr=local
            )
        except OSError as exc:
            errors.append(exc)
    if not errors:
        raise socket.gaierror(socket.EAI_NONAME, f"no address for {host}")
    if len(errors) == 1:
        raise errors[0]
    group = ExceptionGroup("multiple connection attempts failed", errors)
    raise OSError("All connection attempts failed") from group


def _is_ip(host: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return True
    return False
