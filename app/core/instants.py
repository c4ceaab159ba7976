"""The instants Pantau accepts from outside (API bodies, query parameters, agent batches):
aware, converted to UTC, and between 2000-01-01 and 2100-01-01. Pure.

Far dates are not harmless: an hour added to 9999-12-31T23:00Z, or 0001-01-01T00:00+14:00
read in UTC, overflows Python's datetime, and a window ending in year 9000 makes "every
occurrence until then" unbounded work. Nothing Pantau monitors lies outside this range.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
RANGE_TEXT = "between 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z"


def as_utc(value: datetime) -> datetime | None:
    """`value` in UTC, or None when it has no offset or lies outside EARLIEST … LATEST."""
    if value.utcoffset() is None:
        return None
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 and 9999-12-31T23:59-14:00 have no UTC
        return None
    return utc if EARLIEST <= utc <= LATEST else None


def in_range(value: datetime) -> bool:
    return as_utc(value) is not None


def stored_instant(value: object) -> datetime | None:
    """An instant kept as ISO 8601 text inside a stored JSON document, in UTC; None when it is
    not text, does not parse, has no offset or lies outside EARLIEST … LATEST."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return as_utc(parsed)


def _checked(value: datetime) -> datetime:
    if value.utcoffset() is None:
        raise ValueError(
            "give a UTC offset (e.g. 2026-11-29T08:00:00Z): Indonesia has three time zones"
        )
    utc = as_utc(value)
    if utc is None:
        raise ValueError(f"must lie {RANGE_TEXT}")
    return utc


# Every instant taken from outside, body or query: one definition, one message.
Instant = Annotated[datetime, AfterValidator(_checked)]
