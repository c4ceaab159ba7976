"""Query parameters the read API shares: opaque cursors over (time, id) for newest-first
pages, checked time ranges. Bad input is a 422 naming the field and why."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Query

from app.core.errors import InvalidInput
from app.core.instants import Instant, in_range

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ROW_ID_MAX = 2**31 - 1  # PostgreSQL integer: a larger id would be a database error
_PREFIX = "v1"

Cursor = Annotated[
    str | None,
    Query(max_length=200, description="`next_cursor` of the previous page, as given"),
]
Since = Annotated[
    Instant | None,
    Query(description="Only from this instant on (inclusive), with a UTC offset"),
]
Until = Annotated[
    Instant | None,
    Query(description="Only before this instant (exclusive), with a UTC offset"),
]


def encode_cursor(at: datetime, row_id: int) -> str:
    """The position after (at, id): microseconds since the epoch, so no precision is lost."""
    micros = (at - EPOCH) // timedelta(microseconds=1)
    raw = f"{_PREFIX}:{micros}:{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str | None, field: str = "cursor") -> tuple[datetime, int] | None:
    if value is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        prefix, micros, row_id = raw.split(":")
        at = EPOCH + timedelta(microseconds=int(micros))
        if prefix != _PREFIX or not 1 <= int(row_id) <= ROW_ID_MAX or not in_range(at):
            raise ValueError(raw)
        return at, int(row_id)
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError) as exc:
        message = "not a cursor this API gave out: pass `next_cursor` unchanged"
        raise InvalidInput(("query", field), message, value) from exc


def time_range(
    since: datetime | None, until: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """(since, until), already UTC and in range (`Instant`); `since` must come before `until`."""
    if since is not None and until is not None and since >= until:
        message = "`until` must be later than `since`"
        raise InvalidInput(("query", "until"), message, until.isoformat())
    return since, until
