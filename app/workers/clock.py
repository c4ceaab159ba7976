"""The clock a worker or a route reads "now" from: the system's in production, built once in
the lifespan and handed down; a test passes its own instead of patching module globals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current wall-clock instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
