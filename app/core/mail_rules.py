"""Rules of the citizens' mail: the subscription rate limits and what one SMTP attempt's
result means. Pure: callers pass the time and the random source.

Rate limits count accepted requests in a sliding window: at most `count` in any
`window_seconds`; the answer to one more is how long until the oldest counted request leaves
the window (the `Retry-After`). A client is its IPv4 address, or its IPv6 /64 (one host
rotates addresses within it).

An SMTP answer 2xx is sent. A 5xx to the envelope or the message (MAIL, RCPT, DATA) is
permanent: the address or message is refused for good. Everything else — no connection, a
timeout, 4xx, or a 5xx while connecting, greeting or authenticating (our own configuration) —
is retried on the schedule; when it is exhausted the mail has failed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.core.delivery_policy import RetryPolicy


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    window_seconds: float


def wait_seconds(times: Iterable[datetime], limit: Limit, now: datetime) -> int | None:
    """Seconds until one more request fits under `limit`, or None if it fits now."""
    start = now - timedelta(seconds=limit.window_seconds)
    recent = sorted(at for at in times if at > start)
    if len(recent) < limit.count:
        return None
    leaving = recent[len(recent) - limit.count]  # once it is out, one more fits
    seconds = (leaving + timedelta(seconds=limit.window_seconds) - now).total_seconds()
    return max(1, math.ceil(seconds))


def client_key(address: str) -> str:
    """What a client is counted as: its IPv4 address or its IPv6 /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def digest(text: str) -> str:
    """SHA-256 (hex): what is stored of a token, an address or a client."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SmtpStage(StrEnum):
    CONNECT = "connect"  # connecting, TLS, greeting, EHLO, STARTTLS
    AUTH = "auth"
    ENVELOPE = "envelope"  # MAIL FROM, RCPT TO
    DATA = "data"


@dataclass(frozen=True, slots=True)
class SendResult:
    """What happened when one mail was handed to the SMTP server once."""

    started_at: datetime
    code: int | None = None  # the SMTP reply code, when there was one
    stage: SmtpStage | None = None  # where it failed; None when it was accepted
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.stage is None and self.error is None


class MailOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class MailDecision:
    outcome: MailOutcome
    next_attempt_at: datetime | None = None


def decide_mail(
    result: SendResult,
    *,
    attempt_number: int,
    policy: RetryPolicy,
    now: datetime,
    rng: random.Random,
) -> MailDecision:
    if result.accepted:
        return MailDecision(MailOutcome.SENT)
    refused = result.stage in (SmtpStage.ENVELOPE, SmtpStage.DATA)
    if refused and result.code is not None and 500 <= result.code < 600:
        return MailDecision(MailOutcome.FAILED)
    delay = policy.delay(attempt_number, rng)
    if delay is None:
        return MailDecision(MailOutcome.FAILED)
    return MailDecision(MailOutcome.RETRY, now + timedelta(seconds=delay))
