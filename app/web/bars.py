"""A region's spans → its uptime bars: one bar per local day (Asia/Jakarta, where most offices
are) for the last 90 days, coloured by the cause that kept it down longest that day, and runs
of equal bars so a page of 514 regions stays small. Pure; definitions in
`app/core/uptime_maths.py`."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from app.core.domain import Category, State
from app.core.uptime_maths import DOWN, UP, Span

JAKARTA = ZoneInfo("Asia/Jakarta")
DAYS = 90
# Of two causes down equally long in a day, the one listed first colours the bar.
_PRECEDENCE = [
    Category.POLICY,
    Category.NETWORK,
    Category.UPSTREAM,
    Category.LOCAL,
    Category.MAINTENANCE,
    Category.PROBE,
]
OK_KIND, DEGRADED_KIND, NO_DATA_KIND = "ok", "performance", "none"


@dataclass(frozen=True, slots=True)
class DayBar:
    day: date
    kind: str  # a Category value, or "none" when nothing was observed that day
    uptime_percent: float | None


@dataclass(frozen=True, slots=True)
class BarRun:
    """Consecutive days that look the same: drawn as one rectangle."""

    kind: str
    offset: int  # days from the first bar
    days: int
    first: date
    last: date
    worst_percent: float | None


def day_bounds(end: datetime, *, days: int = DAYS, zone: tzinfo = JAKARTA) -> list[datetime]:
    """Midnights starting the last `days` local days (today last), then `end` itself."""
    today = end.astimezone(zone).date()
    starts = [
        datetime.combine(today - timedelta(days=back), time(), zone)
        for back in range(days - 1, -1, -1)
    ]
    return [*starts, end]


def kind_of_day(down: dict[Category, float], degraded: float, up: float) -> str:
    if any(seconds > 0 for seconds in down.values()):
        return max(
            (c for c in _PRECEDENCE if down.get(c, 0) > 0),
            key=lambda c: (down[c], -_PRECEDENCE.index(c)),
        ).value
    if degraded > 0:
        return DEGRADED_KIND
    return OK_KIND if up > 0 else NO_DATA_KIND


def clip(spans: Sequence[Span], start: datetime, end: datetime) -> list[Span]:
    """The parts of `spans` inside [start, end)."""
    return [
        Span(max(s.start, start), min(s.end, end), s.state, s.reason)
        for s in spans
        if s.end > start and s.start < end
    ]


@dataclass(frozen=True, slots=True)
class DayGrid:
    """The bars' days, worked out once for a whole page of regions."""

    dates: tuple[date, ...]
    edges: tuple[float, ...]  # POSIX seconds: each day's start, then the end of the last

    @property
    def days(self) -> int:
        return len(self.dates)


def day_grid(end: datetime, *, days: int = DAYS, zone: tzinfo = JAKARTA) -> DayGrid:
    bounds = day_bounds(end, days=days, zone=zone)
    dates = tuple(b.astimezone(zone).date() for b in bounds[:-1])
    return DayGrid(dates, tuple(b.timestamp() for b in bounds))


def day_bars(spans: Sequence[Span], grid: DayGrid) -> list[DayBar]:
    """`spans`: one region's, in time order and not overlapping (`worst_spans` gives that).
    One pass over spans and days: the status page draws these for every region."""
    edges, days = grid.edges, grid.days
    tallies = [_Tally() for _ in range(days)]
    for span in spans:
        a, b = max(span.start.timestamp(), edges[0]), min(span.end.timestamp(), edges[-1])
        day = max(0, bisect_right(edges, a) - 1)
        while a < b and day < days:
            cut = min(b, edges[day + 1])
            tallies[day].add(span, cut - a)
            a, day = cut, day + 1
    return [DayBar(d, t.kind(), t.percent()) for d, t in zip(grid.dates, tallies, strict=True)]


@dataclass(slots=True)
class _Tally:
    """Seconds of one day, split as `app.core.uptime_maths` does."""

    up: float = 0.0
    degraded: float = 0.0
    down: dict[Category, float] = field(default_factory=dict)

    def add(self, span: Span, seconds: float) -> None:
        if span.state in UP:
            self.up += seconds
            self.degraded += seconds if span.state == State.DEGRADED else 0.0
        elif span.state in DOWN:
            category = span.reason.category
            self.down[category] = self.down.get(category, 0.0) + seconds

    def kind(self) -> str:
        if not self.down:  # most days: no need to weigh causes
            return DEGRADED_KIND if self.degraded > 0 else OK_KIND if self.up > 0 else NO_DATA_KIND
        return kind_of_day(self.down, self.degraded, self.up)

    def percent(self) -> float | None:
        observed = self.up + sum(self.down.values())
        return None if observed <= 0 else min(100.0, 100.0 * self.up / observed)


def runs(bars: Sequence[DayBar]) -> list[BarRun]:
    found: list[BarRun] = []
    for offset, bar in enumerate(bars):
        last = found[-1] if found else None
        if last is not None and last.kind == bar.kind:
            found[-1] = BarRun(
                last.kind,
                last.offset,
                last.days + 1,
                last.first,
                bar.day,
                _lower(last.worst_percent, bar.uptime_percent),
            )
        else:
            found.append(BarRun(bar.kind, offset, 1, bar.day, bar.day, bar.uptime_percent))
    return found


def _lower(a: float | None, b: float | None) -> float | None:
    known = [p for p in (a, b) if p is not None]
    return min(known) if known else None
