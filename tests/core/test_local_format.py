"""Times, dates and numbers as Indonesian and English pages write them
(app/core/local_format.py): a time in its zone, named, `14.05` in Indonesian and `14:05` in
English, Indonesian month abbreviations, a decimal comma and thousands point with a space before
`%` in Indonesian, `5.32%` and `1,234` in English. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.core.local_format import (
    clock,
    decimal,
    iso,
    local_date,
    local_time,
    percent_text,
    whole,
)
from app.core.regions.zones import NATIONAL, WIB, WIT, WITA, Zone, view_zone, zone_of
from app.web.uptime_text import percent

AT = datetime(2026, 12, 4, 7, 5, tzinfo=UTC)  # 14.05 WIB, 15.05 WITA, 16.05 WIT


@pytest.mark.parametrize(
    ("zone", "indonesian", "english"),
    [
        (WIB, "4 Des 2026 14.05 WIB", "4 Dec 2026 14:05 WIB"),
        (WITA, "4 Des 2026 15.05 WITA", "4 Dec 2026 15:05 WITA"),
        (WIT, "4 Des 2026 16.05 WIT", "4 Dec 2026 16:05 WIT"),
    ],
)
def test_a_time_is_read_in_its_zone_and_names_it(zone: Zone, indonesian: str, english: str) -> None:
    assert local_time(AT, zone, "id") == indonesian
    assert local_time(AT, zone, "en") == english


def test_the_zone_decides_the_day_and_the_year() -> None:
    # 16:30 UTC on New Year's Eve: still 2026 in Jakarta, already 2027 in Jayapura.
    at = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert local_time(at, WIB, "id") == "31 Des 2026 23.30 WIB"
    assert local_time(at, WITA, "en") == "1 Jan 2027 00:30 WITA"
    assert local_time(at, WIT, "id") == "1 Jan 2027 01.30 WIT"
    assert local_time(AT, WITA, "id", year=False) == "4 Des 15.05 WITA"
    assert local_time(AT, WIT, "en", year=False) == "4 Dec 16:05 WIT"


def test_no_time_and_a_time_no_zone_can_hold() -> None:
    assert local_time(None, WITA, "id") == ""
    # Year 9999 read east of UTC overflows: the stored instant is shown as it is.
    end = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    assert local_time(end, WIT, "en") == iso(end) == "9999-12-31T23:00:00Z"


def test_month_abbreviations_in_each_language() -> None:
    indonesian = " ".join(local_date(date(2026, m, 1), "id").split()[1] for m in range(1, 13))
    english = " ".join(local_date(date(2026, m, 1), "en").split()[1] for m in range(1, 13))
    assert indonesian == "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des"
    assert english == "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"
    assert local_date(date(2026, 8, 17), "id", year=False) == "17 Agu"


def test_clock_separators() -> None:
    local = datetime(2026, 12, 4, 9, 5)
    assert (clock(local, "id"), clock(local, "en")) == ("09.05", "09:05")


def test_indonesian_numbers_swap_the_marks() -> None:
    assert (whole(1234, "id"), whole(1234, "en")) == ("1.234", "1,234")
    assert (whole(1_234_567, "id"), whole(999, "id"), whole(0, "en")) == ("1.234.567", "999", "0")
    assert decimal(1234.567, 2, "id") == "1.234,57"
    assert decimal(1234.567, 2, "en") == "1,234.57"
    assert decimal(0.5, 1, "id") == "0,5"


def test_percentages_indonesian_with_a_comma_and_a_space_english_without() -> None:
    assert percent_text(5.32, "id") == "5,32 %"
    assert percent_text(5.32, "en") == "5.32%"
    assert percent_text(2345.6, "id", places=1) == "2.345,6 %"
    assert percent_text(67.4, "en", places=0) == "67%"
    # Uptime figures: never rounded up to 100 while there was downtime, nor down to 0.
    assert (percent(5.32, "id"), percent(5.32, "en")) == ("5,32 %", "5.32%")
    assert (percent(99.996, "id"), percent(0.001, "en")) == ("99,99 %", "0.01%")
    assert percent(None, "id") == "–"


def test_views_read_their_region_zone_and_the_country_wib() -> None:
    assert view_zone(None) is NATIONAL is WIB
    assert view_zone("73.73") is WITA and view_zone("91.71") is WIT
    assert view_zone("31.71") is WIB and view_zone("73") is zone_of("73.73")
