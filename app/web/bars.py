"""A region's spans → its uptime bars: one bar per local day (Asia/Jakarta, where most offices
are) for the last 90 days, coloured by the cause that kept it down longest that day, and runs
of equal bars so a page of 514 regions stays small. Pure; definitions in
`app/core/uptime_maths.py`."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
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
    Category.PERFORMANCE,
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
    best, most = None, 0.0
    for category in _PRECEDENCE:  # strictly longer wins: a tie goes to the one listed first
        seconds = down.get(category, 0.0)
        if seconds > most:
            best, most = category, seconds
    if best is not None:
        return best.value
    # Down with no cause of its own (an `ok` reason on an outage): a page must still draw it,
    # as the least alarming colour that is not "up".
    if degraded > 0 or any(seconds > 0 for seconds in down.values()):
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
    """`spans`: one region's, in time order and not overlapping (`worst_spans` gives that)."""
    kinds, percents = day_kinds(spans, grid)
    return [DayBar(d, k, p) for d, k, p in zip(grid.dates, kinds, percents, strict=True)]


def bar_runs(spans: Sequence[Span], grid: DayGrid) -> list[BarRun]:
    """`runs(day_bars(spans, grid))` without a `DayBar` per day: the status page draws these
    for every region."""
    kinds, percents = day_kinds(spans, grid)
    return runs_of(grid.dates, kinds, percents)


def day_kinds(spans: Sequence[Span], grid: DayGrid) -> tuple[list[str], list[float | None]]:
    """Each day's kind and uptime percent, its seconds split as `app.core.uptime_maths` does
    (up, of which degraded; down by category). Days a span covers whole are set in one go;
    only the days where something changed are weighed."""
    edges, days = grid.edges, grid.days
    kinds: list[str] = [NO_DATA_KIND] * days
    percents: list[float | None] = [None] * days
    partial: dict[int, tuple[list[float], dict[Category, float]]] = {}  # [up, degraded]
    for span in spans:
        if span.state in UP:
            category, is_degraded = None, span.state == State.DEGRADED
            whole, whole_percent = (DEGRADED_KIND if is_degraded else OK_KIND), 100.0
        elif span.state in DOWN:
            category, is_degraded = span.reason.category, False
            whole, whole_percent = kind_of_day({category: 1.0}, 0.0, 0.0), 0.0
        else:  # unknown: in neither figure
            continue
        a, b = max(span.start.timestamp(), edges[0]), min(span.end.timestamp(), edges[-1])
        day = max(0, bisect_right(edges, a) - 1)
        while a < b and day < days:
            if a == edges[day] and edges[day + 1] <= b:  # whole days from here
                past = min(days, bisect_right(edges, b) - 1)
                kinds[day:past] = [whole] * (past - day)
                percents[day:past] = [whole_percent] * (past - day)
                a, day = edges[past], past
                continue
            cut = min(b, edges[day + 1])
            seconds = cut - a
            tally = partial.get(day)
            if tally is None:
                tally = partial[day] = ([0.0, 0.0], {})
            if category is None:
                tally[0][0] += seconds
                if is_degraded:
                    tally[0][1] += seconds
            else:
                tally[1][category] = tally[1].get(category, 0.0) + seconds
            a, day = cut, day + 1
    for day, ((up, degraded), down) in partial.items():
        if down:
            kinds[day] = kind_of_day(down, degraded, up)
            observed = up + sum(down.values())
        else:  # most days: no need to weigh causes
            kinds[day] = DEGRADED_KIND if degraded > 0 else OK_KIND if up > 0 else NO_DATA_KIND
            observed = up
        percents[day] = None if observed <= 0 else min(100.0, 100.0 * up / observed)
    return kinds, percents


def runs(bars: Sequence[DayBar]) -> list[BarRun]:
    """Consecutive days of one kind, each run with the lowest percent among its days."""
    return runs_of([b.day for b in bars], [b.kind for b in bars], [b.uptime_percent for b in bars])


def runs_of(
    dates: Sequence[date], kinds: Sequence[str], percents: Sequence[float | None]
) -> list[BarRun]:
    found: list[BarRun] = []
    count, first = len(kinds), 0
    while first < count:
        kind, worst, end = kinds[first], percents[first], first + 1
        while end < count and kinds[end] == kind:
            worst = lower_percent(worst, percents[end])
            end += 1
        found.append(BarRun(kind, first, end - first, dates[first], dates[end - 1], worst))
        first = end
    return found


def lower_percent(a: float | None, b: float | None) -> float | None:
    known = [p for p in (a, b) if p is not None]
    return min(known) if known else None
