"""Uptime bars: spans → one bar per Jakarta day, coloured by the longest cause; runs. Pure."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from app.core.domain import Category, Reason, State
from app.core.uptime_maths import Span, uptime
from app.web.bars import (
    DAYS,
    JAKARTA,
    bar_runs,
    clip,
    day_bars,
    day_bounds,
    day_grid,
    kind_of_day,
    runs,
)

# 10:00 WIB on 29 Nov: the Jakarta day began at 17:00 UTC the day before.
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
TODAY = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
H = timedelta(hours=1)


def span(start: datetime, end: datetime, reason: Reason) -> Span:
    state = reason.state or State.OPERATIONAL
    return Span(start, end, state, reason)


def test_bounds_are_jakarta_midnights_then_now() -> None:
    bounds = day_bounds(NOW)
    assert len(bounds) == DAYS + 1 and bounds[-1] == NOW
    assert bounds[-2] == TODAY
    assert bounds[0] == TODAY - timedelta(days=DAYS - 1)
    assert all(b.astimezone(JAKARTA).hour == 0 for b in bounds[:-1])


def test_no_spans_is_ninety_days_without_data() -> None:
    bars = day_bars([], day_grid(NOW))
    assert len(bars) == DAYS
    assert {b.kind for b in bars} == {"none"} and {b.uptime_percent for b in bars} == {None}
    assert bars[-1].day == date(2026, 11, 29)


def test_each_day_takes_the_cause_down_longest() -> None:
    yesterday = TODAY - timedelta(days=1)
    spans = [
        span(yesterday, yesterday + 10 * H, Reason.OK),
        span(yesterday + 10 * H, yesterday + 11 * H, Reason.NETWORK_TIMEOUT),
        span(yesterday + 11 * H, yesterday + 14 * H, Reason.POLICY_CUTOFF),
        span(yesterday + 14 * H, TODAY + 1 * H, Reason.OK),
        span(TODAY + 1 * H, TODAY + 2 * H, Reason.PERFORMANCE_SLOW),
        span(TODAY + 2 * H, NOW, Reason.OK),
    ]
    bars = day_bars(spans, day_grid(NOW))
    assert bars[-2].kind == "policy"  # 3 h of cutoff beat 1 h of timeouts
    assert bars[-2].uptime_percent == pytest.approx(100 * 20 / 24)
    assert bars[-1].kind == "performance" and bars[-1].uptime_percent == 100.0
    assert {b.kind for b in bars[:-2]} == {"none"}


def test_day_kind_precedence_and_fallbacks() -> None:
    tie = {Category.NETWORK: 60.0, Category.POLICY: 60.0}
    assert kind_of_day(tie, 0, 0) == "policy"
    assert kind_of_day({Category.MAINTENANCE: 10.0, Category.UPSTREAM: 5.0}, 0, 9) == "maintenance"
    assert kind_of_day({}, degraded=5, up=100) == "performance"
    assert kind_of_day({}, degraded=0, up=100) == "ok"
    # Causes outside the usual outage colours never stop a page from drawing the day.
    assert kind_of_day({Category.PERFORMANCE: 30.0}, degraded=0, up=100) == "performance"
    assert kind_of_day({Category.OK: 30.0}, degraded=0, up=100) == "performance"
    assert kind_of_day({}, degraded=0, up=0) == "none"


def test_runs_merge_equal_neighbours_and_keep_the_worst_percent() -> None:
    yesterday = TODAY - timedelta(days=1)
    spans = [
        span(yesterday - timedelta(days=2), yesterday + 12 * H, Reason.OK),
        span(yesterday + 12 * H, yesterday + 13 * H, Reason.OK),
        span(yesterday + 13 * H, NOW, Reason.OK),
    ]
    found = runs(day_bars(spans, day_grid(NOW)))
    assert [(r.kind, r.offset, r.days) for r in found] == [("none", 0, 86), ("ok", 86, 4)]
    assert found[1].first == date(2026, 11, 26) and found[1].last == date(2026, 11, 29)
    assert found[1].worst_percent == 100.0 and found[0].worst_percent is None
    assert sum(r.days for r in found) == DAYS


def test_clip_keeps_only_the_inside() -> None:
    spans = [span(TODAY - H, TODAY + H, Reason.OK), span(TODAY + H, NOW, Reason.UPSTREAM_ERROR)]
    clipped = clip(spans, TODAY, TODAY + 2 * H)
    assert [(s.start, s.end, s.reason) for s in clipped] == [
        (TODAY, TODAY + H, Reason.OK),
        (TODAY + H, TODAY + 2 * H, Reason.UPSTREAM_ERROR),
    ]
    assert clip(spans, NOW, NOW + H) == []


def test_one_pass_agrees_with_uptime_day_by_day() -> None:
    """The fast tally gives each day the figure `app.core.uptime_maths` gives that day's window."""
    rng = random.Random(7)
    reasons = [Reason.OK, Reason.NETWORK_TIMEOUT, Reason.POLICY_CUTOFF, Reason.PERFORMANCE_SLOW]
    clock, spans = NOW - timedelta(days=95), []
    while clock < NOW:
        length = timedelta(minutes=rng.randint(10, 60 * 40))
        spans.append(span(clock, min(clock + length, NOW), rng.choice(reasons)))
        clock += length
    grid = day_grid(NOW)
    bounds = day_bounds(NOW)
    for bar, a, b in zip(day_bars(spans, grid), bounds, bounds[1:], strict=False):
        expected = uptime(clip(spans, a, b), start=a, end=b)
        assert bar.uptime_percent == pytest.approx(expected.citizens_percent)
        down, degraded = expected.down_by_category, expected.degraded_seconds
        assert bar.kind == kind_of_day(down, degraded, expected.up_seconds), bar.day


def test_bar_runs_are_the_runs_of_the_day_bars() -> None:
    """The status page's short cut (no DayBar per day, whole days set in one go) draws the
    same runs as the day-by-day bars, on spans from minutes to days long, some unknown."""
    rng = random.Random(19)
    reasons = [Reason.OK, Reason.NETWORK_TIMEOUT, Reason.POLICY_CUTOFF, Reason.PERFORMANCE_SLOW]
    grid = day_grid(NOW)
    for _ in range(20):
        clock, spans = NOW - timedelta(days=rng.randint(1, 100)), []
        while clock < NOW:
            length = timedelta(minutes=rng.choice([5, 90, 60 * 24, 60 * 24 * 9]))
            state = State.UNKNOWN if rng.random() < 0.1 else None
            reason = rng.choice(reasons)
            spans.append(
                Span(
                    clock,
                    min(clock + length, NOW),
                    state or reason.state or State.OPERATIONAL,
                    reason,
                )
            )
            clock += length
        assert bar_runs(spans, grid) == runs(day_bars(spans, grid))
