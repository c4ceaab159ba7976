"""Maintenance-window arithmetic: a window (first start, first end, optional RFC 5545 RRULE read
in an Indonesian time zone) → its occurrences as UTC intervals. Pure.

A recurring window repeats its first occurrence's duration from every start the rule yields,
the rule read against `starts_at` in the window's time zone (so "every Sunday 01:00 WIT" opens
at 01:00 Jayapura time, i.e. Saturday 16:00 UTC). Indonesia keeps no daylight saving time, so
a wall-clock occurrence and its duration are unambiguous.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

# WIB, WITA, WIT: the zones a Kemendagri notice is written in.
TIME_ZONES = {
    "Asia/Jakarta": "Asia/Jakarta",
    "Asia/Makassar": "Asia/Makassar",
    "Asia/Jayapura": "Asia/Jayapura",
    "WIB": "Asia/Jakarta",
    "WITA": "Asia/Makassar",
    "WIT": "Asia/Jayapura",
}
# Finer rules would make "is t inside?" walk thousands of occurrences on every batch.
ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


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


def canonical_time_zone(name: str) -> str:
    """The IANA name for an accepted zone name or abbreviation; InvalidWindow otherwise."""
    zone = TIME_ZONES.get(name)
    if zone is None:
        accepted = "Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)"
        raise InvalidWindow("timezone", f"unknown time zone {name!r}: use {accepted}")
    return zone


@lru_cache(maxsize=1024)
def _rule(spec: WindowSpec) -> rrule:
    """Parsed once per window; the rule caches what it generated, so the recording path's
    "inside an occurrence?" does not walk a years-old rule from its start on every batch."""
    assert spec.rrule is not None
    text = spec.rrule.strip()
    body = text.removeprefix("RRULE:")
    if "\n" in text or "DTSTART" in text.upper() or ":" in body:
        raise InvalidWindow("rrule", "give one RRULE; starts_at is its DTSTART")
    parts = dict(part.partition("=")[::2] for part in body.upper().split(";"))
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise InvalidWindow("rrule", f"FREQ must be one of {', '.join(ALLOWED_FREQUENCIES)}")
    start = spec.starts_at.astimezone(ZoneInfo(canonical_time_zone(spec.timezone)))
    try:
        rule = rrulestr(body, dtstart=start, cache=True)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidWindow("rrule", f"invalid RRULE: {exc}") from exc
    if not isinstance(rule, rrule):
        raise InvalidWindow("rrule", "give one RRULE")
    return rule


def validate(spec: WindowSpec) -> None:
    """Raise InvalidWindow unless the window has a positive duration and at least one occurrence."""
    if spec.starts_at.tzinfo is None or spec.ends_at.tzinfo is None:
        raise InvalidWindow("starts_at", "give times with a UTC offset")
    if spec.ends_at <= spec.starts_at:
        raise InvalidWindow("ends_at", "ends_at must be after starts_at")
    canonical_time_zone(spec.timezone)
    if spec.rrule is not None and _rule(spec).after(spec.starts_at, inc=True) is None:
        raise InvalidWindow("rrule", "the rule yields no occurrence at or after starts_at")


def _occurrence(start: datetime, spec: WindowSpec) -> Occurrence:
    start = start.astimezone(UTC)
    return Occurrence(start, start + spec.duration)


def active_at(spec: WindowSpec, at: datetime) -> Occurrence | None:
    """The occurrence that contains `at`, if any."""
    if spec.rrule is None:
        single = _occurrence(spec.starts_at, spec)
        return single if single.contains(at) else None
    # All occurrences last equally long, so the latest start at or before `at` ends last.
    start = _rule(spec).before(at, inc=True)
    if start is None:
        return None
    latest = _occurrence(start, spec)
    return latest if latest.contains(at) else None


def occurrences(spec: WindowSpec, *, after: datetime) -> Iterator[Occurrence]:
    """Occurrences still running or starting after `after`, in order; endless for open rules."""
    current = active_at(spec, after)
    if current is not None:
        yield current
    if spec.rrule is None:
        if current is None and spec.starts_at > after:
            yield _occurrence(spec.starts_at, spec)
        return
    for start in _rule(spec).xafter(after, inc=False):
        yield _occurrence(start, spec)


def between(spec: WindowSpec, *, start: datetime, end: datetime) -> list[Occurrence]:
    """Occurrences overlapping [start, end), in order."""
    if spec.rrule is None:
        single = _occurrence(spec.starts_at, spec)
        return [single] if single.starts_at < end and single.ends_at > start else []
    starts = _rule(spec).between(start - spec.duration, end, inc=True)
    found = [_occurrence(s, spec) for s in starts]
    return [o for o in found if o.starts_at < end and o.ends_at > start]


def next_occurrences(spec: WindowSpec, *, after: datetime, limit: int) -> list[Occurrence]:
    found: list[Occurrence] = []
    for occurrence in occurrences(spec, after=after):
        if len(found) >= limit:
            break
        found.append(occurrence)
    return found


def phase(spec: WindowSpec, at: datetime) -> str:
    """Statuspage's word for the window at `at`: scheduled, in_progress or completed."""
    if active_at(spec, at) is not None:
        return "in_progress"
    upcoming = next(occurrences(spec, after=at), None)
    return "completed" if upcoming is None else "scheduled"
