"""Uptime arithmetic as a table of scenarios (pure: no database)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from app.core.domain import Category, Reason, State
from app.core.uptime_maths import Mark, service_spans, uptime, worst_spans

T = datetime(2026, 11, 1, tzinfo=UTC)  # window start
H = timedelta(hours=1)
END = T + 24 * H
OK, SLOW = Reason.OK, Reason.PERFORMANCE_SLOW
TIMEOUT, CUTOFF = Reason.NETWORK_TIMEOUT, Reason.POLICY_CUTOFF
SCHEDULED, ANNOUNCED = Reason.MAINTENANCE_SCHEDULED, Reason.MAINTENANCE_ANNOUNCED
UNHEALTHY = Reason.PROBE_UNHEALTHY


def m(hours: float, state: State, reason: Reason) -> Mark:
    return Mark(T + timedelta(hours=hours), state, reason)


def up(hours: float, reason: Reason = OK) -> Mark:
    return m(hours, State.OPERATIONAL, reason)


def down(hours: float, reason: Reason = TIMEOUT) -> Mark:
    state = State.MAINTENANCE if reason.category == Category.MAINTENANCE else State.OUTAGE
    return m(hours, state, reason)


# (name, marks, end, up h, down h by category, unmonitored h, citizens %, office %)
SCENARIOS = [
    ("never checked", [], END, 0, {}, 24, None, None),
    ("up all day", [up(-100)], END, 24, {}, 0, 100.0, 100.0),
    ("first check mid-window", [up(12)], END, 12, {}, 12, 100.0, 100.0),
    (
        "outage began before the window, ends inside",
        [up(-48), down(-1), up(2)],
        END,
        22,
        {Category.NETWORK: 2},
        0,
        100 * 22 / 24,
        100 * 22 / 24,
    ),
    (
        "outage begins inside, ends after the window",
        [up(-10), down(20), up(30)],
        END,
        20,
        {Category.NETWORK: 4},
        0,
        100 * 20 / 24,
        100 * 20 / 24,
    ),
    ("open outage", [up(-5), down(23)], END, 23, {Category.NETWORK: 1}, 0, 100 * 23 / 24, None),
    (
        "old outage still open covers the whole window",
        [down(-200, CUTOFF)],
        END,
        0,
        {Category.POLICY: 24},
        0,
        0.0,
        0.0,
    ),
    (
        "declared maintenance: citizens see it, the office's record leaves it out",
        [up(-1), down(1, SCHEDULED), up(3)],
        END,
        22,
        {Category.MAINTENANCE: 2},
        0,
        100 * 22 / 24,
        100.0,
    ),
    (
        "announced (undeclared) maintenance counts against the office",
        [up(-1), down(1, ANNOUNCED), up(3)],
        END,
        22,
        {Category.MAINTENANCE: 2},
        0,
        100 * 22 / 24,
        100 * 22 / 24,
    ),
    (
        "probe.unhealthy while up: up for citizens, left out of the office's record",
        [up(-1), up(6, UNHEALTHY), up(12)],
        END,
        24,
        {},
        0,
        100.0,
        100.0,
    ),
    (
        "probe.unhealthy while down: down for citizens, left out of the office's record",
        [up(-1), down(6), m(8, State.OUTAGE, UNHEALTHY), up(12)],
        END,
        18,
        {Category.NETWORK: 2, Category.PROBE: 4},
        0,
        100 * 18 / 24,
        100 * 18 / 20,
    ),
    (
        "clock steps back: the late mark is held at the latest time seen",
        [up(-1), down(10), up(9)],
        END,
        24,
        {},
        0,
        100.0,
        100.0,
    ),
    (
        "clock steps back inside an outage",
        [up(-1), down(10), down(4, CUTOFF), up(12)],
        END,
        22,
        {Category.NETWORK: 0, Category.POLICY: 2},
        0,
        100 * 22 / 24,
        100 * 22 / 24,
    ),
    (
        "window end before the last mark (the clock of `now` stepped back)",
        [up(-1), down(20)],
        T + 12 * H,
        12,
        {},
        0,
        100.0,
        100.0,
    ),
    ("degraded is up", [up(-1), m(4, State.DEGRADED, SLOW), up(6)], END, 24, {}, 0, 100.0, 100.0),
]


@pytest.mark.parametrize(
    ("marks", "end", "up_h", "down_h", "unmonitored_h", "citizens", "office"),
    [pytest.param(*s[1:], id=s[0]) for s in SCENARIOS],
)
def test_uptime_scenarios(
    marks: list[Mark],
    end: datetime,
    up_h: float,
    down_h: dict[Category, float],
    unmonitored_h: float,
    citizens: float | None,
    office: float | None,
) -> None:
    spans = service_spans(marks, start=T, end=end)
    result = uptime(spans, start=T, end=end)
    assert all(s.micros > 0 for s in spans)
    assert result.up_seconds == up_h * 3600
    expected_down = {c: h * 3600 for c, h in down_h.items() if h}
    assert {c: v for c, v in result.down_by_category.items() if v} == expected_down
    assert result.unmonitored_seconds == unmonitored_h * 3600
    assert result.up_seconds + result.down_seconds + result.unmonitored_seconds == (
        result.window_seconds
    )
    assert result.citizens_percent == pytest.approx(citizens)
    if office is None and citizens is not None:
        return  # office figure equals citizens' when nothing is excluded; checked elsewhere
    assert result.office_percent == pytest.approx(office)


def test_open_outage_office_figure_matches_citizens() -> None:
    spans = service_spans([up(-5), down(23)], start=T, end=END)
    result = uptime(spans, start=T, end=END)
    assert result.office_percent == result.citizens_percent
    assert result.office_excluded_seconds == 0


def test_degraded_seconds_are_reported() -> None:
    marks = [up(-1), m(4, State.DEGRADED, SLOW), up(6)]
    result = uptime(service_spans(marks, start=T, end=END), start=T, end=END)
    assert result.degraded_seconds == 2 * 3600


def test_window_of_zero_or_negative_length_is_empty() -> None:
    result = uptime(service_spans([up(-1)], start=T, end=T - H), start=T, end=T - H)
    assert result.window_seconds == 0 and result.citizens_percent is None


def test_region_is_the_worst_of_its_services_at_each_instant() -> None:
    a = service_spans([up(-1), down(2, CUTOFF), up(6)], start=T, end=END)
    b = service_spans(
        [up(-1), down(4), up(8), m(10, State.DEGRADED, SLOW), up(11)], start=T, end=END
    )
    region = worst_spans([a, b])
    assert [(s.start - T, s.state, s.reason) for s in region] == [
        (0 * H, State.OPERATIONAL, OK),
        (2 * H, State.OUTAGE, CUTOFF),
        (6 * H, State.OUTAGE, TIMEOUT),
        (8 * H, State.OPERATIONAL, OK),
        (10 * H, State.DEGRADED, SLOW),
        (11 * H, State.OPERATIONAL, OK),
    ]
    result = uptime(region, start=T, end=END)
    assert result.down_by_category == {Category.POLICY: 4 * 3600, Category.NETWORK: 2 * 3600}
    assert result.citizens_percent == pytest.approx(100 * 18 / 24)


def test_region_gap_where_no_service_was_watched_is_unmonitored() -> None:
    a = service_spans([up(2)], start=T, end=END)
    b = service_spans([down(20)], start=T, end=END)
    result = uptime(worst_spans([a, b]), start=T, end=END)
    assert result.unmonitored_seconds == 2 * 3600
    assert result.down_by_category == {Category.NETWORK: 4 * 3600}


def test_one_service_region_is_its_spans_joined_as_the_general_merge_gives() -> None:
    """`worst_spans` of one timeline takes a short cut: the same spans as merging it with an
    empty second timeline (the general path), on random timelines with equal neighbours."""
    rng = random.Random(19)
    reasons = [Reason.OK, Reason.OK, Reason.NETWORK_TIMEOUT, Reason.PERFORMANCE_SLOW]
    for _ in range(50):
        marks, at = [], T - timedelta(hours=5)
        for _ in range(rng.randint(0, 12)):
            at += timedelta(minutes=rng.choice([0, 7, 60, 600]))
            reason = rng.choice(reasons)
            marks.append(Mark(at, reason.state or State.OPERATIONAL, reason))
        spans = service_spans(marks, start=T, end=END)
        assert worst_spans([spans]) == worst_spans([spans, []])
    joined = worst_spans(
        [service_spans([Mark(T, State.OPERATIONAL, Reason.OK)] * 3, start=T, end=END)]
    )
    assert [(s.start, s.end) for s in joined] == [(T, END)]
