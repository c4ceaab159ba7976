"""RFC 5545 recurrence rules, the part maintenance windows use: RRULE text + a first start in
one time zone → the starts between two instants, in order. Pure.

Why not dateutil's rrule: it walks a rule from its first start and stops only at its next
match, so a question about today walks every period since the first start, and a rule that
never matches again (DAILY on 30 February, every 7th day on a weekday it never falls on) walks
to year 9999. Here a walk starts at the period holding the earliest instant asked about and
stops at the period holding the latest: its cost is the number of periods in between, never
the age of the rule. The meaning is dateutil's own (which Pantau used before; the tests
compare the two), for the parts accepted: FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL,
COUNT, UNTIL, BYMONTH, BYMONTHDAY, BYYEARDAY, BYDAY (ordinals under MONTHLY and YEARLY),
BYHOUR, BYMINUTE, BYSECOND, BYSETPOS and WKST.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice, product
from typing import Any

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_STARTS_PER_DAY = 48  # every half hour: BYHOUR × BYMINUTE × BYSECOND may not exceed it
MAX_COUNT = 1000
MAX_INTERVAL = 1000  # INTERVAL=0 would never move on
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL = re.compile(r"\d{8}T\d{6}Z")
_NUMBER_FIELDS = {
    "BYMONTH": "months",
    "BYMONTHDAY": "month_days",
    "BYYEARDAY": "year_days",
    "BYHOUR": "hours",
    "BYMINUTE": "minutes",
    "BYSECOND": "seconds",
}
_NUMBERS = {  # name → (lowest, highest, zero allowed)
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (-31, 31, False),
    "BYYEARDAY": (-366, 366, False),
    "BYHOUR": (0, 23, True),
    "BYMINUTE": (0, 59, True),
    "BYSECOND": (0, 59, True),
    "BYSETPOS": (-366, 366, False),
}


_MONTH_LENGTHS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class InvalidRule(ValueError):
    """RRULE text this module cannot or will not evaluate; the message says which part."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One RRULE as given; empty sets mean "not given"."""

    frequency: str
    interval: int = 1
    count: int | None = None
    until: datetime | None = None  # UTC
    months: frozenset[int] = frozenset()
    month_days: frozenset[int] = frozenset()  # negative: from the month's end
    year_days: frozenset[int] = frozenset()  # negative: from the year's end
    weekdays: frozenset[int] = frozenset()  # 0 = Monday
    nth_weekdays: frozenset[tuple[int, int]] = frozenset()  # (weekday, n): n-th in the range
    hours: frozenset[int] = frozenset()
    minutes: frozenset[int] = frozenset()
    seconds: frozenset[int] = frozenset()
    set_positions: tuple[int, ...] = ()
    week_start: int = 0


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A rule bound to its first start: defaults filled in, COUNT turned into `until`."""

    rule: Rule
    first: datetime  # DTSTART, aware, in the rule's zone
    times: tuple[time, ...]  # each day's start times, in order, in that zone
    until: datetime  # no start after this (the rule's UNTIL, COUNT or the caller's horizon)


def _split(text: str) -> dict[str, str]:
    body = text.strip().upper().removeprefix("RRULE:")
    if "\n" in body or ":" in body or "DTSTART" in body:
        raise InvalidRule("give one RRULE line; its DTSTART is the window's first start")
    parts: dict[str, str] = {}
    for part in body.split(";"):
        name, equals, value = part.partition("=")
        if not equals or not name or not value or name in parts:
            raise InvalidRule(f"invalid part {part!r}: give NAME=VALUE, each name once")
        parts[name] = value
    return parts


def _numbers(name: str, value: str) -> frozenset[int]:
    lowest, highest, zero = _NUMBERS[name]
    try:
        numbers = frozenset(int(item) for item in value.split(","))
    except ValueError as exc:
        raise InvalidRule(f"{name} takes whole numbers, separated by commas") from exc
    if any(not lowest <= n <= highest or (n == 0 and not zero) for n in numbers):
        raise InvalidRule(f"{name} takes numbers from {lowest} to {highest}")
    return numbers


def _whole(name: str, value: str, highest: int) -> int:
    if not value.isdigit() or not 1 <= int(value) <= highest:
        raise InvalidRule(f"{name} must be a whole number from 1 to {highest}")
    return int(value)


def _until(value: str) -> datetime:
    if not _UNTIL.fullmatch(value):
        raise InvalidRule("UNTIL must be a UTC time such as 20271231T000000Z")
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidRule(f"UNTIL {value!r} is no date") from exc


def _days(value: str, frequency: str) -> tuple[frozenset[int], frozenset[tuple[int, int]]]:
    plain: set[int] = set()
    nth: set[tuple[int, int]] = set()
    most = 5 if frequency == "MONTHLY" else 53
    for item in value.split(","):
        match = _BYDAY.fullmatch(item)
        if match is None:
            raise InvalidRule(f"BYDAY {item!r}: give MO … SU, with an ordinal such as 1SU or -1FR")
        weekday = WEEKDAYS.index(match[2])
        # Like dateutil: an ordinal counts only within a month or a year.
        if match[1] is None or frequency in ("DAILY", "WEEKLY"):
            plain.add(weekday)
        elif int(match[1]) == 0 or abs(int(match[1])) > most:
            raise InvalidRule(f"BYDAY {item!r}: the ordinal must be 1 to {most} or -{most} to -1")
        else:
            nth.add((weekday, int(match[1])))
    return frozenset(plain), frozenset(nth)


def _field(name: str, value: str, frequency: str) -> dict[str, Any]:
    """One RRULE part as Rule's field(s)."""
    if name in _NUMBER_FIELDS:
        return {_NUMBER_FIELDS[name]: _numbers(name, value)}
    if name == "BYSETPOS":
        return {"set_positions": tuple(sorted(_numbers(name, value)))}
    if name == "BYDAY":
        weekdays, nth = _days(value, frequency)
        return {"weekdays": weekdays, "nth_weekdays": nth}
    if name == "INTERVAL":
        return {"interval": _whole(name, value, MAX_INTERVAL)}
    if name == "COUNT":
        return {"count": _whole(name, value, MAX_COUNT)}
    if name == "UNTIL":
        return {"until": _until(value)}
    if name == "WKST" and value in WEEKDAYS:
        return {"week_start": WEEKDAYS.index(value)}
    if name == "WKST":
        raise InvalidRule("WKST must be one of MO … SU")
    raise InvalidRule(f"{name} is not supported here")


def parse(text: str) -> Rule:
    """The rule in `text` (one RRULE, with or without its `RRULE:` prefix); InvalidRule."""
    parts = _split(text)
    frequency = parts.pop("FREQ", "")
    if frequency not in FREQUENCIES:
        raise InvalidRule(f"FREQ must be one of {', '.join(FREQUENCIES)}")
    fields: dict[str, Any] = {}
    for name, value in parts.items():
        fields |= _field(name, value, frequency)
    rule = Rule(frequency, **fields)
    if rule.count is not None and rule.until is not None:
        raise InvalidRule("give COUNT or UNTIL, not both")
    per_day = len(rule.hours or {0}) * len(rule.minutes or {0}) * len(rule.seconds or {0})
    if per_day > MAX_STARTS_PER_DAY:
        raise InvalidRule(
            f"at most {MAX_STARTS_PER_DAY} starts a day: BYHOUR × BYMINUTE × BYSECOND gives"
            f" {per_day}"
        )
    return rule


def _with_defaults(rule: Rule, first: datetime) -> Rule:
    """RFC 5545: what the rule leaves out comes from its first start."""
    has_day_selector = rule.year_days or rule.month_days or rule.weekdays or rule.nth_weekdays
    if not has_day_selector:
        if rule.frequency == "YEARLY":
            rule = replace(rule, months=rule.months or frozenset({first.month}))
        if rule.frequency in ("YEARLY", "MONTHLY"):
            rule = replace(rule, month_days=frozenset({first.day}))
        if rule.frequency == "WEEKLY":
            rule = replace(rule, weekdays=frozenset({first.weekday()}))
    return replace(
        rule,
        hours=rule.hours or frozenset({first.hour}),
        minutes=rule.minutes or frozenset({first.minute}),
        seconds=rule.seconds or frozenset({first.second}),
    )


def bind(rule: Rule, first: datetime, *, horizon: datetime) -> Recurrence:
    """The rule read from `first` (aware, in the rule's zone), with no start after `horizon`."""
    first = first.replace(microsecond=0)  # as dateutil: starts fall on whole seconds
    rule = _with_defaults(rule, first)
    times = tuple(
        time(h, m, s, tzinfo=first.tzinfo)
        for h, m, s in product(sorted(rule.hours), sorted(rule.minutes), sorted(rule.seconds))
    )
    until = min(rule.until or horizon, horizon)
    bound = Recurrence(rule, first, times, until)
    if rule.count is not None:
        counted = list(islice(starts(bound, first, until), rule.count))
        if counted:
            bound = replace(bound, until=counted[-1])
    return bound


def _week_start(day: date, rule: Rule) -> date:
    return day - timedelta(days=(day.weekday() - rule.week_start) % 7)


def _period_index(recurrence: Recurrence, day: date) -> int:
    """How many FREQ periods `day` lies after the first start's period."""
    first = recurrence.first.date()
    frequency = recurrence.rule.frequency
    if frequency == "DAILY":
        return (day - first).days
    if frequency == "WEEKLY":
        rule = recurrence.rule
        return (_week_start(day, rule) - _week_start(first, rule)).days // 7
    if frequency == "MONTHLY":
        return (day.year - first.year) * 12 + day.month - first.month
    return day.year - first.year


def _span(first_day: date, last_day: date) -> list[date]:
    return [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]


def _month_length(year: int, month: int) -> int:
    return 29 if month == 2 and calendar.isleap(year) else _MONTH_LENGTHS[month]


def _month(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, _month_length(year, month))


def _period(recurrence: Recurrence, index: int) -> tuple[list[date], list[tuple[date, date]]]:
    """The period's days, and the ranges its BYDAY ordinals count in (a month or a year)."""
    first = recurrence.first.date()
    rule = recurrence.rule
    if rule.frequency == "DAILY":
        return [first + timedelta(days=index)], []
    if rule.frequency == "WEEKLY":
        start = _week_start(first, rule) + timedelta(weeks=index)
        # dateutil begins the first week at the first start, not at WKST; BYSETPOS sees that.
        return _span(max(start, first), start + timedelta(days=6)), []
    if rule.frequency == "MONTHLY":
        year, month = divmod(first.month - 1 + index, 12)
        month_range = _month(first.year + year, month + 1)
        return _span(*month_range), [month_range]
    year = first.year + index
    whole_year = (date(year, 1, 1), date(year, 12, 31))
    ranges = [_month(year, m) for m in sorted(rule.months)] if rule.months else [whole_year]
    return _span(*whole_year), ranges


def _nth_days(rule: Rule, ranges: list[tuple[date, date]]) -> set[date]:
    found = set()
    for first, last in ranges:
        for weekday, n in rule.nth_weekdays:
            if n > 0:
                day = first + timedelta(weeks=n - 1)
                day += timedelta(days=(weekday - day.weekday()) % 7)
            else:
                day = last + timedelta(weeks=n + 1)
                day -= timedelta(days=(day.weekday() - weekday) % 7)
            if first <= day <= last:
                found.add(day)
    return found


def _matches(rule: Rule, day: date, nth_days: set[date]) -> bool:
    if rule.months and day.month not in rule.months:
        return False
    if rule.weekdays and day.weekday() not in rule.weekdays:
        return False
    if rule.nth_weekdays and day not in nth_days:
        return False
    if rule.month_days:
        month_length = _month_length(day.year, day.month)
        if day.day not in rule.month_days and day.day - month_length - 1 not in rule.month_days:
            return False
    if rule.year_days:
        year_day = day.toordinal() - date(day.year, 1, 1).toordinal() + 1
        year_length = 366 if calendar.isleap(day.year) else 365
        if year_day not in rule.year_days and year_day - year_length - 1 not in rule.year_days:
            return False
    return True


def _period_starts(
    recurrence: Recurrence, index: int, earliest: date, latest: date
) -> list[datetime]:
    """The period's starts, in order; days outside [earliest, latest] may be left out."""
    rule = recurrence.rule
    days, ranges = _period(recurrence, index)
    if not rule.set_positions:  # only BYSETPOS needs the days that were not asked about
        days = [day for day in days if earliest <= day <= latest]
    nth_days = _nth_days(rule, ranges) if rule.nth_weekdays else set()
    days = [day for day in days if _matches(rule, day, nth_days)]
    times = recurrence.times
    if not rule.set_positions:
        return [datetime.combine(day, t) for day in days for t in times]
    chosen = set()
    for position in rule.set_positions:
        day_at, time_at = divmod(position if position < 0 else position - 1, len(times))
        if -len(days) <= day_at < len(days):
            chosen.add(datetime.combine(days[day_at], times[time_at]))
    return sorted(chosen)


def starts(recurrence: Recurrence, start: datetime, end: datetime) -> Iterator[datetime]:
    """The starts s with start ≤ s ≤ end, in order. Walks only the periods from the one that
    holds `start` (or the first start) to the one that holds `end` (or the last)."""
    start = max(start, recurrence.first)
    end = min(end, recurrence.until)
    if start > end:
        return
    zone = recurrence.first.tzinfo
    earliest, latest = start.astimezone(zone).date(), end.astimezone(zone).date()
    step = recurrence.rule.interval
    index = _period_index(recurrence, earliest) // step * step
    last_index = _period_index(recurrence, latest)
    while index <= last_index:
        for found in _period_starts(recurrence, index, earliest, latest):
            if start <= found <= end:
                yield found
        index = _next_index(recurrence, index + step)


def _next_index(recurrence: Recurrence, index: int) -> int:
    """`index`, or for a DAILY rule limited to some months the first aligned day of the next
    such month: a rule that matches rarely should not cost a step per day."""
    rule = recurrence.rule
    if rule.frequency != "DAILY" or not rule.months:
        return index
    day = recurrence.first.date() + timedelta(days=index)
    if day.month in rule.months:
        return index
    year, month = day.year, day.month
    while month not in rule.months:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    days_ahead = (date(year, month, 1) - recurrence.first.date()).days
    return -(-days_ahead // rule.interval) * rule.interval
