"""How much of an uptime window was actually observed, since when a region or service has been
watched, and whether a window's percentage stands for the window. Pure.

**Coverage** = observed seconds / window seconds, clipped to 0…1. Observed time is the
citizens' figure's up plus down time (`app/core/uptime_maths.py`): time before a service's
first transition, when its state is `unknown`, is in neither and so is not observed.

**Monitored since** is the earliest first transition of the services a figure is made of (a
region's non-paused services, or the one service). Of the data kept, it is the one that agrees
with the figures by construction: their observed time begins exactly there. A service's
`created_at` is earlier than anything was known (the checker may be off, or the first failures
may not yet have crossed the threshold: that time counts as unmonitored), and the hourly probe
rollups are truncated to the hour and say nothing of the state the figures are made of. Time
after the last transition counts as observed in the state it left (the uptime maths' rule), so a
checker that stops does not lower coverage: coverage says how long the figure's history is,
not how often it was probed.

**Verdict** on a window's percentage:
- `no_data` — nothing observed: there is no percentage at all;
- `too_little` — under `MEANINGFUL_COVERAGE` (half the window): the percentage describes less
  than half of its window, e.g. one minute of thirty days, so it is never shown bare: pages
  put it beside how much data there is, badges show the data's length instead of it;
- `partial` — at least half the window, not all of it: shown with its coverage beside it;
- `full` — at least `FULL_COVERAGE` of the window (a minute and a half of a day, 43 minutes
  of thirty days may be missing, e.g. before the first check of a service added later).

Half the window is the threshold because below it the figure is mostly about a shorter period
than its name says: a "30-day" figure from ten days of data is a ten-day figure, and the
window that honestly describes it (24 h, 7 d) has its own, meaningful figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.core.uptime_maths import Uptime

MEANINGFUL_COVERAGE = 0.5
FULL_COVERAGE = 0.999


class Verdict(StrEnum):
    NO_DATA = "no_data"
    TOO_LITTLE = "too_little"
    PARTIAL = "partial"
    FULL = "full"

    @property
    def meaningful(self) -> bool:
        """Whether the window's percentage stands for the window."""
        return self in (Verdict.PARTIAL, Verdict.FULL)


def coverage_ratio(observed_seconds: float, window_seconds: float) -> float:
    """The share of the window observed, 0…1 (0 for an empty window)."""
    if window_seconds <= 0 or observed_seconds <= 0:
        return 0.0
    return min(1.0, observed_seconds / window_seconds)


def verdict(observed_seconds: float, window_seconds: float) -> Verdict:
    ratio = coverage_ratio(observed_seconds, window_seconds)
    if observed_seconds <= 0 or ratio <= 0:
        return Verdict.NO_DATA
    if ratio >= FULL_COVERAGE:
        return Verdict.FULL
    if ratio >= MEANINGFUL_COVERAGE:
        return Verdict.PARTIAL
    return Verdict.TOO_LITTLE


@dataclass(frozen=True, slots=True)
class Coverage:
    """One window's coverage, as the API and the pages show it."""

    observed_seconds: float
    window_seconds: float
    ratio: float
    verdict: Verdict


def coverage(observed_seconds: float, window_seconds: float) -> Coverage:
    observed = max(0.0, min(observed_seconds, window_seconds))
    return Coverage(
        observed_seconds=observed,
        window_seconds=max(0.0, window_seconds),
        ratio=coverage_ratio(observed_seconds, window_seconds),
        verdict=verdict(observed_seconds, window_seconds),
    )


def monitored_since(first_transitions: Iterable[datetime | None]) -> datetime | None:
    """The earliest of the services' first transitions; None when none has any."""
    return min((at for at in first_transitions if at is not None), default=None)


def coverage_of(result: Uptime) -> Coverage:
    """A computed window's coverage."""
    return coverage(result.observed_seconds, result.window_seconds)
