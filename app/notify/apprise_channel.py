"""Chat and push channels through Apprise (Telegram, Slack, Discord, Microsoft Teams, ntfy,
Matrix, email…): reading an Apprise URL, the SSRF rules on the host it names, and sending one
delivery → AttemptResult (never raises).

Apprise is imported on first use: it loads a few hundred plugins, which a process without
such a subscription never needs.

SSRF. A URL naming a host of the operator's choosing (`json://`, `ntfy://host/…`,
`matrixs://…`, `mailtos://…`) is checked when the subscription is made, like a webhook's
(app/notify/ssrf.py), and again before every send, by resolving the name. Apprise's HTTP
services go through `requests`/urllib3: while a delivery is sent, every connection urllib3
opens in its worker thread checks each address it resolves (redirects and DNS rebinding
included) and connects only to a vetted address. Services that do not speak HTTP (SMTP, XMPP,
MQTT…) get the check before the send only.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import ipaddress
import logging
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from app.core.channel_urls import masked_channel_url, scrub, secret_pieces
from app.core.chat_text import ChatMessage
from app.core.delivery_policy import AttemptResult
from app.notify.ssrf import Network, host_problem, is_blocked, literal_address

log = logging.getLogger(__name__)

ERROR_MAX_CHARS = 500
UNKNOWN_URL = (
    "not an Apprise URL Pantau can send to: unknown scheme, or a part the service needs is"
    " missing (e.g. ntfys://topic, tgram://bot-token/chat-id, json://host/path)"
)
# While a delivery is sent: the networks it may reach despite the guard, and the addresses
# the guard refused. Apprise runs each send in a worker thread with a copy of this context.
_ALLOWED: contextvars.ContextVar[tuple[Network, ...] | None] = contextvars.ContextVar(
    "pantau_apprise_allowed", default=None
)
_REFUSED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "pantau_apprise_refused", default=None
)


class BlockedChannelAddress(OSError):
    """A channel's connection led to an address that notifications may not reach."""


@dataclass(frozen=True, slots=True)
class ChannelTarget:
    service: str  # Apprise's name of the service: "Telegram", "ntfy", "JSON"…
    host: str | None  # the host the operator chose, when the URL names one
    port: int | None
    hosts: tuple[str, ...]  # every host the service will connect to that the URL chose

    def shown(self, url: str) -> str:
        return masked_channel_url(url, self.host, self.port)


@functools.cache
def _apprise() -> ModuleType:
    import apprise

    _install_connection_guard()
    return apprise


def _instantiate(url: str) -> Any:
    apprise = _apprise()
    asset = apprise.AppriseAsset(storage_mode="memory")
    try:
        return apprise.Apprise.instantiate(url, asset=asset, suppress_exceptions=True)
    except Exception:  # a plugin that raises on odd input: no target either
        return None


def parse_target(url: str) -> ChannelTarget | None:
    """What Apprise reads in `url`, or None when it cannot send to it."""
    plugin = _instantiate(url)
    return None if plugin is None else _target_of(plugin)


def _target_of(plugin: Any) -> ChannelTarget:
    host = None
    if "host" in getattr(plugin, "template_tokens", {}):
        host = str(getattr(plugin, "host", "") or "").strip("[]") or None
    port = getattr(plugin, "port", None) if host else None
    hosts = [host] if host else []
    smtp_host = getattr(plugin, "smtp_host", None)  # email: the server may differ from the host
    if isinstance(smtp_host, str) and smtp_host and smtp_host not in hosts:
        hosts.append(smtp_host)
    service = str(getattr(plugin, "service_name", "") or type(plugin).__name__)
    return ChannelTarget(service, host, port if isinstance(port, int) else None, tuple(hosts))


def channel_url_problem(url: str, allowed: Sequence[Network] = ()) -> str | None:
    """Why `url` may not be an Apprise subscription's URL, or None."""
    target = parse_target(url)
    if target is None:
        return UNKNOWN_URL
    for host in target.hosts:
        problem = host_problem(host, allowed, "notifications")
        if problem is not None:
            return problem
    return None


@functools.lru_cache(maxsize=2048)
def shown_channel_url(url: str) -> str:
    """The URL as responses and the audit log show it (app/core/channel_urls.py)."""
    target = parse_target(url)
    return target.shown(url) if target is not None else masked_channel_url(url)


def _vet(host: str, port: int, allowed: Sequence[Network]) -> list[str]:
    """The addresses `host` resolves to, or BlockedChannelAddress if any may not be reached
    (one bad address refuses the name: a mixed answer is how rebinding looks)."""
    literal = literal_address(host)
    if literal is not None:
        candidates = [literal]
    else:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        candidates = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    for address in candidates:
        if is_blocked(address, allowed):
            refused = _REFUSED.get()
            if refused is not None:
                refused.append(host)
            raise BlockedChannelAddress(
                f"{host} ({address}) is a private, loopback, link-local or reserved address"
            )
    return list(dict.fromkeys(str(address) for address in candidates))


def _install_connection_guard() -> None:
    """Wrap urllib3's connect so that, inside a Pantau delivery (the context says so), every
    connection goes to a vetted address. Outside one, urllib3 works as before."""
    from urllib3.util import connection

    original = connection.create_connection
    if getattr(original, "pantau_guard", False):
        return

    def guarded(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        allowed = _ALLOWED.get()
        if allowed is None:
            return original(address, *args, **kwargs)
        host, port = address
        error: OSError | None = None
        for vetted in _vet(host, port, allowed):
            try:
                return original((vetted, port), *args, **kwargs)
            except OSError as exc:
                error = exc
        raise error or OSError(f"no address for {host}")

    guarded.pantau_guard = True  # type: ignore[attr-defined]
    connection.create_connection = guarded


class AppriseSender:
    """Sends one rendered message to one Apprise URL within `seconds`."""

    def __init__(self, allowed: Sequence[Network] = ()) -> None:
        self.allowed = tuple(allowed)

    async def send(self, url: str, message: ChatMessage, *, seconds: float) -> AttemptResult:
        started_at = datetime.now(UTC)
        started = time.perf_counter()
        plugin = _instantiate(url)
        target = None if plugin is None else _target_of(plugin)
        refused: list[str] = []
        allowed_token = _ALLOWED.set(self.allowed)
        refused_token = _REFUSED.set(refused)
        try:
            async with asyncio.timeout(seconds + 1):  # Apprise keeps its own deadline too
                status, logs = await self._notify(plugin, target, message, seconds)
        except TimeoutError:
            status, logs = "timeout", []
        except Exception as exc:  # CancelledError is a BaseException and propagates
            status, logs = "apprise_failed", [f"{type(exc).__name__}: {exc}"]
        finally:
            _REFUSED.reset(refused_token)
            _ALLOWED.reset(allowed_token)
        elapsed = (time.perf_counter() - started) * 1000.0
        if status == "sent":
            return AttemptResult(started_at, elapsed, accepted=True)
        if refused:
            status = "blocked_address"
        elif status == "timeout":
            logs = [f"no answer within {seconds:g} s", *logs]
        pieces = secret_pieces(url, host_shown=target is not None and target.host is not None)
        error = scrub("; ".join(logs) or "the service did not take the notification", pieces)
        return AttemptResult(started_at, elapsed, error_class=status, error=error[:ERROR_MAX_CHARS])

    async def _notify(
        self, plugin: Any, target: ChannelTarget | None, message: ChatMessage, seconds: float
    ) -> tuple[str, list[str]]:
        if plugin is None or target is None:
            return "invalid_url", [UNKNOWN_URL]
        for host in target.hosts:
            port = target.port if host == target.host else None
            try:
                await asyncio.to_thread(_vet, host, port or 0, self.allowed)
            except BlockedChannelAddress as exc:
                return "blocked_address", [str(exc)]
            except OSError as exc:
                return "dns", [f"cannot resolve {host}: {exc}"]
        plugin.socket_connect_timeout = seconds
        plugin.socket_read_timeout = seconds
        apprise = _apprise()
        notifier = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory"))
        notifier.add(plugin)
        result = await notifier.async_notify(
            title=message.title,
            body=message.body,
            body_format=apprise.NotifyFormat.TEXT,
            notify_type=apprise.NotifyType(message.kind),
            timeout=seconds,
        )
        logs = [entry.message for service in result.results for entry in service.logs()]
        logs += [entry.message for entry in result.call_logs()]
        if result.status == apprise.AppriseResultStatus.SUCCESS:
            return "sent", logs
        if result.status == apprise.AppriseResultStatus.TIMEOUT:
            return "timeout", logs
        return "apprise_failed", logs
