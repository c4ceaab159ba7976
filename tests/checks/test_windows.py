"""Maintenance-window arithmetic, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.checks.windows import (
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
