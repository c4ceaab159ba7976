"""Transitions → uptime over a window, exactly, from the intervals between transitions. Pure.

Every instant of the window falls in one span (state, reason) and counts once:
- `operational` / `degraded`: up (degraded time is also reported on its own);
- `outage` / `maintenance`: down, attributed to the reason's category;
- `unknown` (before the first transition, never checked): unmonitored, in neither figure.

Two figures:
- **citizens** — availability to citizens: up / (up + down). Every kind of downtime counts,
  declared maintenance included: the office was closed to them either way.
- **office** — the office's own record: spans whose reason is `maintenance.scheduled`
  (a declared window) or `probe.unhealthy` (the monitor's own fault) are left out of the
  window altogether, neither up nor down.

Clocks: marks are taken in recording order and a time that steps backwards is held at the
latest time already seen, so no span is negative and the spans never add up to more than the
window; the window itself is clipped, so a figure is never above 100 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from app.core.domain import Category, Reason, State

WINDOWS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "365d": timedelta(days=365),
}
UP = frozenset({State.OPERATIONAL, State.DEGRADED})
DOWN = frozenset({State.OUTAGE, State.MAINTENANCE})
OFFICE_EXCLUDED = frozenset({Reason.MAINTENANCE_SCHEDULED, Reason.PROBE_UNHEALTHY})
_US = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Mark:
    """One transition of one service, as far as uptime cares: from `at` on, `state`."""

    at: datetime
    state: State
    reason: Reason


@dataclass(frozen=True, slots=True)
class Span:
    start: datetime
    end: datetime
    state: State
    reason: Reason

    @property
    def micros(self) -> int:
        return (self.end - self.start) // _US


def service_spans(marks: Sequence[Mark], *, start: datetime, end: datetime) -> list[Span]:
    """One service's spans inside [start, end). `marks` are in recording order; the first may
    lie before `start` (it gives the state the window opens in)."""
    spans: list[Span] = []
    clock: datetime | None = None
    current: Mark | None = None
    for mark in marks:
        at = mark.at if clock is None else max(mark.at, clock)
        if current is not None and clock is not None:
            _clip(spans, current, clock, at, start, end)
        current, clock = mark, at
    if current is not None and clock is not None:
        _clip(spans, current, clock, max(end, clock), start, end)
    return spans


def _clip(
    spans: list[Span], mark: Mark, a: datetime, b: datetime, start: datetime, end: datetime
) -> None:
    a, b = max(a, start), min(b, end)
    if b > a:
        spans.append(Span(a, b, mark.state, mark.reason))


def worst_spans(timelines: Sequence[Sequence[Span]]) -> list[Span]:
    """Several services' spans → the region's: at each instant the worst state, with the
    reason of the first service (in the given order) that is in it."""
    if len(timelines) == 1:  # most regions have one service: its spans, equal neighbours joined
        return _joined(timelines[0])
    bounds = sorted({t for spans in timelines for s in spans for t in (s.start, s.end)})
    merged: list[Span] = []
    cursors = [0] * len(timelines)
    for a, b in pairwise(bounds):
        covering = []
        for i, spans in enumerate(timelines):
            while cursors[i] < len(spans) and spans[cursors[i]].end <= a:
                cursors[i] += 1
            if cursors[i] < len(spans) and spans[cursors[i]].start <= a:
                covering.append(spans[cursors[i]])
        if not covering:
            continue
        worst = max(covering, key=lambda s: s.state.severity)
        last = merged[-1] if merged else None
        if last and last.end == a and (last.state, last.reason) == (worst.state, worst.reason):
            merged[-1] = Span(last.start, b, last.state, last.reason)
        else:
            merged.append(Span(a, b, worst.state, worst.reason))
    return merged


def _joined(spans: Sequence[Span]) -> list[Span]:
    """What `worst_spans` makes of one timeline (in time order, not overlapping): the same
    spans, empty ones dropped, a span that starts where an equal one ends joined to it."""
    merged: list[Span] = []
    for span in spans:
        if span.end <= span.start:
            continue
        last = merged[-1] if merged else None
        same = last is not None and (last.state, last.reason) == (span.state, span.reason)
        if last is not None and same and last.end == span.start:
            merged[-1] = Span(last.start, span.end, last.state, last.reason)
        else:
            merged.append(span)
    return merged


@dataclass(frozen=True, slots=True)
class Uptime:
    """Seconds of one window, split as described in the module docstring."""

    window_seconds: float
    up_seconds: float
    degraded_seconds: float
    unmonitored_seconds: float
    down_by_category: dict[Category, float] = field(default_factory=dict)
    office_excluded_seconds: float = 0.0  # of which down: office_excluded_down_seconds
    office_excluded_down_seconds: float = 0.0
    citizens_percent: float | None = None
    office_percent: float | None = None

    @property
    def down_seconds(self) -> float:
        return sum(self.down_by_category.values())

    @property
    def observed_seconds(self) -> float:
        """Up plus down: what the citizens' figure is a share of (its coverage's numerator,
        `app/core/uptime_coverage.py`)."""
        return self.up_seconds + self.down_seconds


def _percent(up: int, observed: int) -> float | None:
    if observed <= 0:
        return None
    return min(100.0, max(0.0, 100.0 * up / observed))


@dataclass(frozen=True, slots=True)
class Tally:
    """Whole microseconds of spans by what they count as. Tallies of consecutive stretches
    add up to the tally of the whole exactly, down's categories in the order they appeared."""

    up: int = 0
    degraded: int = 0
    excluded_up: int = 0
    excluded_down: int = 0
    down: dict[Category, int] = field(default_factory=dict)

    def __add__(self, later: Tally) -> Tally:
        down = dict(self.down)
        for category, micros in later.down.items():
            down[category] = down.get(category, 0) + micros
        return Tally(
            self.up + later.up,
            self.degraded + later.degraded,
            self.excluded_up + later.excluded_up,
            self.excluded_down + later.excluded_down,
            down,
        )


def tally(spans: Sequence[Span]) -> Tally:
    up = degraded = excluded_up = excluded_down = 0
    down: dict[Category, int] = {}
    for span in spans:
        micros = max(0, span.micros)
        excluded = span.reason in OFFICE_EXCLUDED
        if span.state in UP:
            up += micros
            degraded += micros if span.state == State.DEGRADED else 0
            excluded_up += micros if excluded else 0
        elif span.state in DOWN:
            down[span.reason.category] = down.get(span.reason.category, 0) + micros
            excluded_down += micros if excluded else 0
    return Tally(up, degraded, excluded_up, excluded_down, down)


def uptime(spans: Sequence[Span], *, start: datetime, end: datetime) -> Uptime:
    """Sums spans (already clipped to the window) in whole microseconds, so the parts add up
    to the window exactly."""
    return uptime_of(tally(spans), start=start, end=end)


def uptime_of(counted: Tally, *, start: datetime, end: datetime) -> Uptime:
    """The window's figures from its spans' tally."""
    window = max(0, (end - start) // _US)
    up, excluded_up, excluded_down = counted.up, counted.excluded_up, counted.excluded_down
    down_total = sum(counted.down.values())
    return Uptime(
        window_seconds=window / 1e6,
        up_seconds=up / 1e6,
        degraded_seconds=counted.degraded / 1e6,
        unmonitored_seconds=max(0, window - up - down_total) / 1e6,
        down_by_category={c: v / 1e6 for c, v in counted.down.items()},
        office_excluded_seconds=(excluded_up + excluded_down) / 1e6,
        office_excluded_down_seconds=excluded_down / 1e6,
        citizens_percent=_percent(up, up + down_total),
        office_percent=_percent(up - excluded_up, up + down_total - excluded_up - excluded_down),
    )
