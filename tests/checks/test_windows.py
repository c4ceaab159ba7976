"""Maintenance-window arithmetic, as tables."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.core.windows import (
    InvalidWindow,
    Occurrence,
    WindowSpec,
    active_at,
    between,
    canonical_time_zone,
    next_occurrences,
    phase,
    validate,
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# Sunday 01:00–03:00 WIT is Saturday 16:00–18:00 UTC.
JAYAPURA_SUNDAYS = WindowSpec(
    starts_at=utc("2026-12-05T16:00:00Z"),
    ends_at=utc("2026-12-05T18:00:00Z"),
    rrule="FREQ=WEEKLY;BYDAY=SU",
    timezone="Asia/Jayapura",
)
# The same instants read in WIB: 23:00–01:00 on Saturday night, so "Sundays" fall a day later.
JAKARTA_SUNDAYS = WindowSpec(
    JAYAPURA_SUNDAYS.starts_at, JAYAPURA_SUNDAYS.ends_at, "FREQ=WEEKLY;BYDAY=SU", "Asia/Jakarta"
)
ONCE = WindowSpec(utc("2026-12-01T01:00:00+07:00"), utc("2026-12-01T05:00:00+07:00"))
DAILY_WITA = WindowSpec(
    utc("2026-12-01T02:00:00+08:00"),
    utc("2026-12-01T02:30:00+08:00"),
    "RRULE:FREQ=DAILY;COUNT=3",
    "WITA",
)


@pytest.mark.parametrize(
    ("spec", "at", "expected"),
    [
        # The Jayapura rule opens at 01:00 WIT = 16:00 UTC the day before, never at 01:00 UTC.
        (JAYAPURA_SUNDAYS, "2026-12-12T15:59:59Z", None),
        (
            JAYAPURA_SUNDAYS,
            "2026-12-12T16:00:00Z",
            ("2026-12-12T16:00:00Z", "2026-12-12T18:00:00Z"),
        ),
        (
            JAYAPURA_SUNDAYS,
            "2026-12-12T17:59:59Z",
            ("2026-12-12T16:00:00Z", "2026-12-12T18:00:00Z"),
        ),
        (JAYAPURA_SUNDAYS, "2026-12-12T18:00:00Z", None),
        (JAYAPURA_SUNDAYS, "2026-12-13T01:00:00Z", None),
        (
            JAYAPURA_SUNDAYS,
            "2027-06-05T16:30:00Z",
            ("2027-06-05T16:00:00Z", "2027-06-05T18:00:00Z"),
        ),
        (JAYAPURA_SUNDAYS, "2026-12-05T15:00:00Z", None),  # before the first occurrence
        # starts_at (Saturday 23:00 WIB) is no Sunday in WIB: the first opening is a week later.
        (JAKARTA_SUNDAYS, "2026-12-05T16:30:00Z", None),
        (JAKARTA_SUNDAYS, "2026-12-06T16:30:00Z", ("2026-12-06T16:00:00Z", "2026-12-06T18:00:00Z")),
        (ONCE, "2026-11-30T17:59:59Z", None),
        (ONCE, "2026-11-30T18:00:00Z", ("2026-11-30T18:00:00Z", "2026-11-30T22:00:00Z")),
        (ONCE, "2026-11-30T22:00:00Z", None),
        (DAILY_WITA, "2026-12-02T18:10:00Z", ("2026-12-02T18:00:00Z", "2026-12-02T18:30:00Z")),
        (DAILY_WITA, "2026-12-03T18:10:00Z", None),  # COUNT=3 ended on the 3rd (WITA)
    ],
)
def test_active_at(spec: WindowSpec, at: str, expected: tuple[str, str] | None) -> None:
    occurrence = active_at(spec, utc(at))
    if expected is None:
        assert occurrence is None
    else:
        assert occurrence == Occurrence(utc(expected[0]), utc(expected[1]))


def test_next_occurrences_start_with_the_one_under_way() -> None:
    found = next_occurrences(JAYAPURA_SUNDAYS, after=utc("2026-12-12T17:00:00Z"), limit=3)
    assert [o.starts_at for o in found] == [
        utc("2026-12-12T16:00:00Z"),
        utc("2026-12-19T16:00:00Z"),
        utc("2026-12-26T16:00:00Z"),
    ]
    assert all(o.ends_at - o.starts_at == timedelta(hours=2) for o in found)
    assert next_occurrences(ONCE, after=utc("2026-12-02T00:00:00Z"), limit=3) == []
    assert len(next_occurrences(DAILY_WITA, after=utc("2026-11-01T00:00:00Z"), limit=9)) == 3


def test_between_includes_overlapping_occurrences() -> None:
    found = between(
        JAYAPURA_SUNDAYS, start=utc("2026-12-12T17:00:00Z"), end=utc("2026-12-26T16:00:00Z")
    )
    assert [o.starts_at for o in found] == [
        utc("2026-12-12T16:00:00Z"),
        utc("2026-12-19T16:00:00Z"),
    ]
    assert between(ONCE, start=utc("2026-11-30T22:00:00Z"), end=utc("2026-12-31T00:00:00Z")) == []


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-11-30T00:00:00Z", "scheduled"),
        ("2026-11-30T19:00:00Z", "in_progress"),
        ("2026-12-01T00:00:00Z", "completed"),
    ],
)
def test_phase(at: str, expected: str) -> None:
    assert phase(ONCE, utc(at)) == expected


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": utc("2026-12-01T00:00:00+07:00")}, "ends_at"),  # before starts_at
        ({"ends_at": ONCE.starts_at}, "ends_at"),  # empty
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "Europe/Berlin"}, "timezone"),
        ({"rrule": "FREQ=FORTNIGHTLY"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "rrule"),
        ({"rrule": "FREQ=MINUTELY"}, "rrule"),
        ({"rrule": "INTERVAL=2"}, "rrule"),
        ({"rrule": "garbage"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=20260101T000000Z"}, "rrule"),  # ends before it starts
        ({"rrule": "FREQ=WEEKLY;UNTIL=20270101T000000"}, "rrule"),  # UNTIL must be UTC
        ({"rrule": "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY"}, "rrule"),
    ],
)
def test_invalid_windows_name_the_field(changes: dict[str, object], field: str) -> None:
    spec = WindowSpec(**{"starts_at": ONCE.starts_at, "ends_at": ONCE.ends_at, **changes})  # type: ignore[arg-type]
    with pytest.raises(InvalidWindow) as caught:
        validate(spec)
    assert caught.value.field == field


def test_valid_windows_pass() -> None:
    for spec in (JAYAPURA_SUNDAYS, JAKARTA_SUNDAYS, ONCE, DAILY_WITA):
        validate(spec)


@pytest.mark.parametrize(
    ("name", "zone"),
    [
        ("WIB", "Asia/Jakarta"),
        ("WITA", "Asia/Makassar"),
        ("WIT", "Asia/Jayapura"),
        ("Asia/Jayapura", "Asia/Jayapura"),
    ],
)
def test_time_zone_names(name: str, zone: str) -> None:
    assert canonical_time_zone(name) == zone


EARLY_2000 = datetime(2000, 1, 1, tzinfo=UTC)
END_2100 = datetime(2100, 1, 1, tzinfo=UTC)
EVERY_SECOND = (
    "FREQ=DAILY;BYHOUR="
    + ",".join(str(h) for h in range(24))
    + ";BYMINUTE="
    + ",".join(str(m) for m in range(60))
    + ";BYSECOND="
    + ",".join(str(s) for s in range(60))
)


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "rrule", "field"),
    [
        (EARLY_2000 - timedelta(seconds=1), EARLY_2000 + timedelta(hours=1), None, "starts_at"),
        (END_2100 - timedelta(hours=1), END_2100 + timedelta(seconds=1), None, "ends_at"),
        (
            datetime(2000, 1, 1, tzinfo=UTC),
            datetime(9000, 1, 1, tzinfo=UTC),
            "FREQ=YEARLY",
            "ends_at",
        ),
        (ONCE.starts_at, ONCE.starts_at + timedelta(days=31, seconds=1), None, "ends_at"),
        # 7 × 7 = 49 starts a day, one more than allowed.
        (
            ONCE.starts_at,
            ONCE.ends_at,
            "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6;BYMINUTE=0,1,2,3,4,5,6",
            "rrule",
        ),
        (ONCE.starts_at, ONCE.ends_at, EVERY_SECOND, "rrule"),
        (ONCE.starts_at, ONCE.ends_at, "FREQ=DAILY;INTERVAL=0", "rrule"),
        (ONCE.starts_at, ONCE.ends_at, "FREQ=DAILY;INTERVAL=1001", "rrule"),
        (ONCE.starts_at, ONCE.ends_at, "FREQ=DAILY;COUNT=1001", "rrule"),
        (ONCE.starts_at, ONCE.ends_at, "FREQ=DAILY;COUNT=0", "rrule"),
        (ONCE.starts_at, ONCE.ends_at, "FREQ=DAILY;;BYHOUR=1", "rrule"),
        (ONCE.starts_at, ONCE.ends_at, "FREQ=DAILY;FREQ=WEEKLY", "rrule"),
        (ONCE.starts_at, ONCE.ends_at, "FREQ=DAILY;UNTIL=20261231", "rrule"),  # not UTC
        (ONCE.starts_at, ONCE.ends_at, "FREQ=DAILY;UNTIL=never", "rrule"),
    ],
)
def test_windows_beyond_the_limits_name_the_field(
    starts_at: datetime, ends_at: datetime, rrule: str | None, field: str
) -> None:
    with pytest.raises(InvalidWindow) as caught:
        validate(WindowSpec(starts_at, ends_at, rrule))
    assert caught.value.field == field


def test_windows_at_the_limits_pass() -> None:
    validate(WindowSpec(EARLY_2000, EARLY_2000 + timedelta(days=31)))  # 31 days exactly
    validate(WindowSpec(END_2100 - timedelta(hours=1), END_2100))
    half_hours = "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,30"
    validate(WindowSpec(ONCE.starts_at, ONCE.starts_at + timedelta(minutes=10), half_hours))
    validate(WindowSpec(ONCE.starts_at, ONCE.ends_at, "FREQ=DAILY;COUNT=1000;INTERVAL=1000"))


def test_a_rule_that_never_matches_is_refused_after_a_bounded_search() -> None:
    # dateutil alone walks every day to year 9999 looking for 30 February (about 20 s).
    started = time.perf_counter()
    with pytest.raises(InvalidWindow) as caught:
        validate(
            WindowSpec(
                EARLY_2000, EARLY_2000 + timedelta(hours=1), "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"
            )
        )
    assert caught.value.field == "rrule"
    assert time.perf_counter() - started < 5


def test_the_every_second_rule_is_refused_at_once() -> None:
    assert len(EVERY_SECOND) > 400
    started = time.perf_counter()
    with pytest.raises(InvalidWindow, match="86400"):
        validate(WindowSpec(ONCE.starts_at, ONCE.ends_at, EVERY_SECOND))
    assert time.perf_counter() - started < 0.5


def test_evaluation_does_not_walk_from_an_old_start() -> None:
    # 48 starts a day since 2000: walking from the start would mean 1.7 million occurrences.
    half_hours = "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,30"
    spec = WindowSpec(EARLY_2000, EARLY_2000 + timedelta(minutes=10), half_hours, "WIB")
    at = datetime(2099, 6, 1, 12, 5, tzinfo=UTC)
    started = time.perf_counter()
    assert active_at(spec, at) == Occurrence(at.replace(minute=0), at.replace(minute=10))
    quiet = at.replace(minute=15)  # between two occurrences: a day from here holds 48
    assert len(between(spec, start=quiet, end=quiet + timedelta(days=1))) == 48
    assert next_occurrences(spec, after=at, limit=2)[1].starts_at == at.replace(minute=30)
    assert phase(spec, at) == "in_progress"
    assert time.perf_counter() - started < 1


def test_occurrences_stop_at_2100() -> None:
    # 07:00 WIB daily is 00:00 UTC: the last start is 2100-01-01T00:00Z itself.
    spec = WindowSpec(
        datetime(2099, 12, 1, tzinfo=UTC), datetime(2099, 12, 31, tzinfo=UTC), "FREQ=DAILY"
    )
    found = between(
        spec, start=datetime(2099, 12, 30, tzinfo=UTC), end=END_2100 + timedelta(days=40)
    )
    assert found[-1] == Occurrence(END_2100, END_2100 + timedelta(days=30))
    assert next_occurrences(spec, after=END_2100, limit=3) == [found[-1]]
    assert next_occurrences(spec, after=END_2100 + timedelta(days=31), limit=3) == []
    assert phase(spec, END_2100 + timedelta(days=31)) == "completed"


BAD_ROWS = [
    WindowSpec(EARLY_2000, datetime(9000, 1, 1, tzinfo=UTC), "FREQ=YEARLY"),
    WindowSpec(datetime(9999, 12, 31, 22, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)),
    WindowSpec(ONCE.starts_at, ONCE.ends_at, "FREQ=DAILY;INTERVAL=0"),
    WindowSpec(ONCE.starts_at, ONCE.ends_at, EVERY_SECOND),
    WindowSpec(ONCE.starts_at, ONCE.ends_at, "FREQ=WEEKLY", "Mars/Olympus"),
]


@pytest.mark.parametrize("spec", BAD_ROWS)
def test_every_function_refuses_a_bad_row_with_invalid_window(spec: WindowSpec) -> None:
    """What the database may hold when someone wrote around the API: InvalidWindow, which
    callers skip, never an arithmetic error or an endless walk."""
    at = datetime(2026, 12, 1, tzinfo=UTC)
    calls = [
        lambda: validate(spec),
        lambda: active_at(spec, at),
        lambda: between(spec, start=at, end=at + timedelta(days=1)),
        lambda: next_occurrences(spec, after=at, limit=5),
        lambda: phase(spec, at),
    ]
    for call in calls:
        with pytest.raises(InvalidWindow):
            call()


ZONES = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def rules(draw: st.DrawFn) -> str:
    frequency = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={frequency}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 3))}")
    if draw(st.booleans()):
        days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
        ordinal = frequency in ("MONTHLY", "YEARLY") and draw(st.booleans())
        prefix = draw(st.sampled_from(["1", "2", "-1"])) if ordinal else ""
        parts.append("BYDAY=" + ",".join(prefix + day for day in days))
    if draw(st.booleans()):
        month_days = draw(
            st.lists(
                st.sampled_from([1, 2, 15, 28, 29, 30, 31, -1]), min_size=1, max_size=2, unique=True
            )
        )
        parts.append("BYMONTHDAY=" + ",".join(map(str, month_days)))
    if frequency != "WEEKLY" and draw(st.booleans()):
        months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=4, unique=True))
        parts.append("BYMONTH=" + ",".join(map(str, months)))
    if draw(st.integers(0, 4)) == 0:
        year_days = draw(
            st.lists(
                st.sampled_from([1, 60, 200, 365, 366, -1]), min_size=1, max_size=2, unique=True
            )
        )
        parts.append("BYYEARDAY=" + ",".join(map(str, year_days)))
    if draw(st.booleans()):
        hours = draw(st.lists(st.integers(0, 23), min_size=1, max_size=3, unique=True))
        parts.append("BYHOUR=" + ",".join(map(str, hours)))
    if draw(st.booleans()):
        parts.append(f"BYMINUTE={draw(st.sampled_from(['0', '0,30', '15,45']))}")
    if draw(st.booleans()):
        parts.append(f"BYSETPOS={draw(st.sampled_from(['1', '-1', '2', '1,-1']))}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(DAYS))}")
    if draw(st.booleans()):
        parts.append(f"COUNT={draw(st.integers(1, 40))}")
    return ";".join(parts)


@st.composite
def recurring_windows(draw: st.DrawFn) -> WindowSpec:
    start = draw(
        st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1))
    ).replace(microsecond=0, tzinfo=UTC)
    length = timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))
    return WindowSpec(start, start + length, draw(rules()), draw(st.sampled_from(ZONES)))


def reference_starts(spec: WindowSpec, start: datetime, end: datetime) -> list[datetime]:
    """dateutil walking the rule from its very first start: slow for old windows, but plainly
    what the rule means."""
    assert spec.rrule is not None
    first = spec.starts_at.astimezone(ZoneInfo(spec.timezone))
    rule = rrulestr(spec.rrule, dtstart=first)
    return [s.astimezone(UTC) for s in rule.between(start, end, inc=True) if s <= END_2100]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=recurring_windows(), offset_days=st.integers(0, 5 * 366), span_days=st.integers(1, 60))
def test_anchored_evaluation_equals_walking_from_the_start(
    spec: WindowSpec, offset_days: int, span_days: int
) -> None:
    try:
        validate(spec)
    except InvalidWindow:
        assume(False)
    start = spec.starts_at + timedelta(days=offset_days, hours=offset_days % 24)
    end = start + timedelta(days=span_days)
    expected = [
        Occurrence(s, s + spec.duration)
        for s in reference_starts(spec, start - spec.duration, end)
        if s < end and s + spec.duration > start
    ]
    assert between(spec, start=start, end=end) == expected
    running = [o for o in expected if o.contains(start)]
    assert active_at(spec, start) == (running[-1] if running else None)
    later = [Occurrence(s, s + spec.duration) for s in reference_starts(spec, start, end)]
    known = (running[-1:] + [o for o in later if o.starts_at > start])[:3]
    upcoming = next_occurrences(spec, after=start, limit=3)
    assert upcoming[: len(known)] == known
    assert all(o.starts_at > end for o in upcoming[len(known) :])  # beyond what was compared
