"""SSRF guard for subscriber URLs: a URL check at creation, and an httpx transport whose every
connection goes only to addresses vetted at connect time.

A URL's host is not trusted once: a name can resolve to a public address when the
subscription is made and to 127.0.0.1 when the event is sent (DNS rebinding). So the transport
resolves the name itself, checks every address it gets, and connects to the vetted address,
never to the name again. Literal hosts are read the way the C resolver reads them (`127.1`,
`2130706433`, `0x7f.0.0.1`), so no spelling slips past the check or reaches DNS.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from app.outbound.tls import verified_tls

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Spelled out even where Python's is_private/is_global would catch them, so the list reads as
# the policy: what a subscriber URL may never reach.
BLOCKED_NETWORKS: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, incl. the cloud metadata service 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, incl. broadcast
        "::/128",
        "::1/128",
        "64:ff9b::/96",  # NAT64: embeds an IPv4 address
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "ff00::/8",  # multicast
    )
)


class BlockedAddress(httpcore.ConnectError):
    """A subscriber URL led to an address that webhooks may not reach."""

    def __init__(self, host: str, address: str) -> None:
        shown = host if host == address else f"{host} ({address})"
        super().__init__(f"{shown} is a private, loopback, link-local or reserved address")
        self.host = host
        self.address = address


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def _ipv4_part(text: str) -> int:
    base = 16 if text[:2].lower() == "0x" else 8 if len(text) > 1 and text[0] == "0" else 10
    digits = text[2:] if base == 16 else text
    if not digits:
        raise ValueError(text)
    return int(digits, base)


def _inet_aton(host: str) -> ipaddress.IPv4Address | None:
    """IPv4 in every form inet_aton accepts: 1 to 4 parts, decimal, octal or hex."""
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4:
        return None
    try:
        numbers = [_ipv4_part(part) for part in parts]
    except ValueError:
        return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def literal_address(host: str) -> IPAddress | None:
    """The address a literal host stands for (brackets and IPv6 zone ignored); None for a
    name that would need resolving."""
    bare = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        return _inet_aton(bare) if bare and bare[0].isdigit() else None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address.packed[:12] == bytes(12) and int(address) > 1:  # deprecated IPv4-compatible
        return ipaddress.IPv4Address(address.packed[12:])
    return None


def is_blocked(address: IPAddress, allowed: Sequence[Network] = ()) -> bool:
    """True when webhooks may not reach `address`. An IPv6 address that carries an IPv4 one
    (mapped, 6to4, Teredo, compatible) is judged by the IPv4 address it carries."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        return is_blocked(inner, allowed)
    if any(address.version == n.version and address in n for n in allowed):
        return False
    if any(address.version == n.version and address in n for n in BLOCKED_NETWORKS):
        return True
    # Anything else Python does not call global (documentation ranges, 6to4 relays …).
    return not address.is_global or address.is_multicast or address.is_reserved


def url_problem(url: str, allowed: Sequence[Network] = ()) -> str | None:
    """Why `url` may not be a subscriber URL, or None. Names are only checked for being
    `localhost`: their addresses are checked at connect time, every time."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        return f"URL is malformed: {exc}"
    if parts.scheme.lower() not in ("http", "https"):
        return "URL scheme must be http or https"
    if parts.username is not None or parts.password is not None:
        return "URL must not carry credentials (user:password@)"
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return "URL has no host"
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError as exc:
        return f"URL port is invalid: {exc}"
    return host_problem(host, allowed)


def host_problem(
    host: str, allowed: Sequence[Network] = (), sender: str = "webhooks"
) -> str | None:
    """Why a URL's `host` may not be reached, or None: a literal address (or `localhost`)
    that is blocked. Names are checked at connect time, every time."""
    address = literal_address(host)
    if address is None and (host == "localhost" or host.endswith(".localhost")):
        address = ipaddress.ip_address("127.0.0.1")
    if address is not None and is_blocked(address, allowed):
        return (
            f"URL host {host} is a private, loopback, link-local, multicast or reserved "
            f"address; {sender} may only reach public addresses"
        )
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host`."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressGuard:
    """Turns a host into the addresses a connection may use, or raises BlockedAddress."""

    def __init__(self, allowed: Sequence[Network] = (), resolver: Resolver | None = None):
        self.allowed = tuple(allowed)
        self.resolver = resolver or system_resolver

    async def vet(self, host: str, port: int) -> list[str]:
        literal = literal_address(host)
        if literal is not None:
            candidates = [literal]
        else:
            try:
                candidates = [ipaddress.ip_address(a) for a in await self.resolver(host, port)]
            except OSError as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        # One bad address refuses the name: a mixed answer is how rebinding attacks look.
        for address in candidates:
            if is_blocked(address, self.allowed):
                raise BlockedAddress(host, str(address))
        return [str(_embedded_ipv4(a) or a) for a in candidates]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the guard has vetted."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.guard.vet(host, port)
        error: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks never use unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport with the connection pool rebuilt on a GuardedBackend.
    TLS still verifies the URL's host name: the SNI comes from the request, not the address."""

    def __init__(self, guard: AddressGuard, limits: httpx.Limits) -> None:
        super().__init__(verify=verified_tls(), limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=verified_tls(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(guard),
        )


def make_webhook_client(
    allowed: Sequence[Network] = (),
    *,
    max_connections: int = 100,
    resolver: Resolver | None = None,
) -> httpx.AsyncClient:
    """The dispatcher's client (never the probe client): guarded, no redirects, no proxies
    from the environment. Keep-alive is off: httpx's keep-alive pool is several times slower
    under concurrency (measured in bench/webhooks.py), and every delivery's connection then
    passes the address check afresh."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=0)
    return httpx.AsyncClient(
        transport=GuardedTransport(AddressGuard(allowed, resolver), limits),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": "Pantau-Webhooks/1"},
    )
