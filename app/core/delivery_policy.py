"""What one delivery attempt's result means: AttemptResult → Decision. Pure: the caller
passes the time and the random source.

2xx succeeds, and so does a message a chat or push channel (Apprise) accepted. 410 Gone
fails the delivery and disables the subscription. Everything else — 3xx (never followed),
other 4xx and 5xx, transport errors, blocked addresses, a channel's refusal — is retried on
the schedule, with ±jitter; 429 and 503 wait for `Retry-After` when it is given. When the
schedule is exhausted the delivery has failed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

RETRY_AFTER_MAX_SECONDS = 86_400.0  # a receiver cannot park a delivery for longer
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What happened when one delivery was sent once."""

    started_at: datetime
    latency_ms: float
    status_code: int | None = None
    error_class: str | None = None  # set when no HTTP answer came: "timeout", "refused" …
    error: str | None = None
    response_excerpt: str | None = None
    retry_after: str | None = None  # the raw header
    accepted: bool = False  # a channel without HTTP statuses (Apprise) took the message

    @property
    def succeeded(self) -> bool:
        status = self.status_code
        return self.accepted or (status is not None and 200 <= status < 300)

    @property
    def summary(self) -> str:
        return f"HTTP {self.status_code}" if self.status_code is not None else str(self.error)


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    RETRY = "retry"
    FAILED = "failed"  # schedule exhausted
    GONE = "gone"  # 410: the receiver asked to be forgotten


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    next_attempt_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`schedule[i]` is the wait before attempt i + 2; attempts = len(schedule) + 1."""

    schedule: tuple[float, ...]
    jitter: float = 0.2

    def delay(self, attempt_number: int, rng: random.Random) -> float | None:
        """Seconds to wait after attempt `attempt_number` (1-based) failed; None if it was
        the last."""
        if attempt_number > len(self.schedule):
            return None
        base = self.schedule[attempt_number - 1]
        return base * (1 + rng.uniform(-self.jitter, self.jitter))


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds from `now` (delta-seconds or an HTTP date), bounded; None
    when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = (
            float(text) if text.isdigit() else (parsedate_to_datetime(text) - now).total_seconds()
        )
    except (TypeError, ValueError, OverflowError):
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_MAX_SECONDS)


def decide(
    result: AttemptResult,
    *,
    attempt_number: int,
    policy: RetryPolicy,
    now: datetime,
    rng: random.Random,
) -> Decision:
    status = result.status_code
    if result.succeeded:
        return Decision(Outcome.SUCCEEDED)
    if status == 410:
        return Decision(Outcome.GONE)
    delay = policy.delay(attempt_number, rng)
    if delay is None:
        return Decision(Outcome.FAILED)
    if status in RETRY_AFTER_STATUSES:
        asked = retry_after_seconds(result.retry_after, now)
        delay = delay if asked is None else asked
    return Decision(Outcome.RETRY, now + timedelta(seconds=delay))
