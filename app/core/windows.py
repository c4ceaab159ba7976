"""Maintenance-window arithmetic: a window (first start, first end, optional RFC 5545 RRULE read
in an Indonesian time zone) → its occurrences as UTC intervals. Pure.

A recurring window repeats its first occurrence's duration from every start the rule yields,
the rule read against `starts_at` in the window's time zone (so "every Sunday 01:00 WIT" opens
at 01:00 Jayapura time, i.e. Saturday 16:00 UTC). Indonesia keeps no daylight saving time, so
a wall-clock occurrence and its duration are unambiguous.

What a window may ask for is bounded, so that answering costs little whatever its age: it lies
between 2000-01-01 and 2100-01-01, an occurrence lasts at most 31 days, and a rule starts at
most 48 times a day (see `recurrence`). A window outside these bounds (one written straight
into the database) raises InvalidWindow from every function here, never an arithmetic error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo

from app.core import recurrence
from app.core.instants import LATEST, RANGE_TEXT, in_range
from app.core.recurrence import InvalidRule, Recurrence

# WIB, WITA, WIT: the zones a Kemendagri notice is written in.
TIME_ZONES = {
    "Asia/Jakarta": "Asia/Jakarta",
    "Asia/Makassar": "Asia/Makassar",
    "Asia/Jayapura": "Asia/Jayapura",
    "WIB": "Asia/Jakarta",
    "WITA": "Asia/Makassar",
    "WIT": "Asia/Jayapura",
}
MAX_LENGTH = timedelta(days=31)  # one occurrence: a month-long migration, not a standing excuse


class InvalidWindow(ValueError):
    """A window that cannot be computed; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Occurrence:
    starts_at: datetime
    ends_at: datetime

    def contains(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True, slots=True)
class WindowSpec:
    starts_at: datetime  # aware; the first occurrence
    ends_at: datetime
    rrule: str | None = None
    timezone: str = "Asia/Jakarta"

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


@dataclass(frozen=True, slots=True)
class _Refusal:
    """A cached InvalidWindow: raising one instance again and again would grow its traceback."""

    field: str
    message: str


def canonical_time_zone(name: str) -> str:
    """The IANA name for an accepted zone name or abbreviation; InvalidWindow otherwise."""
    zone = TIME_ZONES.get(name)
    if zone is None:
        accepted = "Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)"
        raise InvalidWindow("timezone", f"unknown time zone {name!r}: use {accepted}")
    return zone


def _check_times(spec: WindowSpec) -> None:
    if spec.starts_at.utcoffset() is None or spec.ends_at.utcoffset() is None:
        raise InvalidWindow("starts_at", "give times with a UTC offset")
    for field, value in (("starts_at", spec.starts_at), ("ends_at", spec.ends_at)):
        if not in_range(value):
            raise InvalidWindow(field, f"must lie {RANGE_TEXT}")
    if spec.ends_at <= spec.starts_at:
        raise InvalidWindow("ends_at", "ends_at must be after starts_at")
    if spec.duration > MAX_LENGTH:
        raise InvalidWindow("ends_at", f"an occurrence may last at most {MAX_LENGTH.days} days")


def _recurrence(spec: WindowSpec, rule_text: str) -> Recurrence:
    first = spec.starts_at.astimezone(ZoneInfo(canonical_time_zone(spec.timezone)))
    try:
        bound = recurrence.bind(recurrence.parse(rule_text), first, horizon=LATEST)
    except InvalidRule as exc:
        raise InvalidWindow("rrule", f"invalid RRULE: {exc}") from exc
    if next(recurrence.starts(bound, first, bound.until), None) is None:
        raise InvalidWindow("rrule", "the rule yields no occurrence at or after starts_at")
    return bound


@lru_cache(maxsize=4096)  # every recurring window is loaded for every batch: keep them all
def _planned(spec: WindowSpec) -> Recurrence | _Refusal | None:
    """Checked and parsed once per window (refusals too: a bad row is asked about every batch)."""
    try:
        _check_times(spec)
        canonical_time_zone(spec.timezone)
        return None if spec.rrule is None else _recurrence(spec, spec.rrule)
    except InvalidWindow as exc:
        return _Refusal(exc.field, str(exc))


def _plan(spec: WindowSpec) -> Recurrence | None:
    planned = _planned(spec)
    if isinstance(planned, _Refusal):
        raise InvalidWindow(planned.field, planned.message)
    return planned


def validate(spec: WindowSpec) -> None:
    """Raise InvalidWindow unless the window lies in range, lasts more than nothing and at most
    31 days, and (if recurring) its rule is accepted and yields at least one occurrence."""
    _plan(spec)


def _occurrence(start: datetime, spec: WindowSpec) -> Occurrence:
    start = start.astimezone(UTC)
    return Occurrence(start, start + spec.duration)


def active_at(spec: WindowSpec, at: datetime) -> Occurrence | None:
    """The occurrence that contains `at`, if any."""
    rule = _plan(spec)
    if rule is None:
        single = _occurrence(spec.starts_at, spec)
        return single if single.contains(at) else None
    # All occurrences last equally long, so the latest start at or before `at` ends last.
    latest = None
    for start in recurrence.starts(rule, at - spec.duration, at):
        latest = start
    occurrence = None if latest is None else _occurrence(latest, spec)
    return occurrence if occurrence is not None and occurrence.contains(at) else None


def occurrences(spec: WindowSpec, *, after: datetime) -> Iterator[Occurrence]:
    """Occurrences still running or starting after `after`, in order; none after 2100."""
    current = active_at(spec, after)
    if current is not None:
        yield current
    rule = _plan(spec)
    if rule is None:
        if current is None and spec.starts_at > after:
            yield _occurrence(spec.starts_at, spec)
        return
    for start in recurrence.starts(rule, after, rule.until):
        if start > after:
            yield _occurrence(start, spec)


def between(spec: WindowSpec, *, start: datetime, end: datetime) -> list[Occurrence]:
    """Occurrences overlapping [start, end), in order."""
    rule = _plan(spec)
    if rule is None:
        single = _occurrence(spec.starts_at, spec)
        return [single] if single.starts_at < end and single.ends_at > start else []
    starts = recurrence.starts(rule, start - spec.duration, end)
    found = [_occurrence(s, spec) for s in starts]
    return [o for o in found if o.starts_at < end and o.ends_at > start]


def next_occurrences(spec: WindowSpec, *, after: datetime, limit: int) -> list[Occurrence]:
    return list(islice(occurrences(spec, after=after), limit))


def phase(spec: WindowSpec, at: datetime) -> str:
    """Statuspage's word for the window at `at`: scheduled, in_progress or completed."""
    if active_at(spec, at) is not None:
        return "in_progress"
    upcoming = next(occurrences(spec, after=at), None)
    return "completed" if upcoming is None else "scheduled"
