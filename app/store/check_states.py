"""A service's check state: read and locked for a batch of results, saved once they are judged.
Core statements in batches: this runs for every probe."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Reason, State
from app.core.state_machine import CheckState, Thresholds
from app.store.batch import execute_many, fetch_all_in, utc_binder, utc_reader
from app.store.checks import service_table
from app.store.models import Service

# What judging a probe reads and writes of a service's check state.
_JUDGED_COLUMNS = (
    "state",
    "reason",
    "state_changed_at",
    "consecutive_failures",
    "consecutive_successes",
    "streak_reason",
    "reason_streak",
    "failure_signature",
    "failure_since",
    "sequence",
)
_CHECK_STATE_COLUMNS = (*_JUDGED_COLUMNS, "last_checked_at", "lease_expires_at")

# Rows bound by _bound below, in _SAVE_ORDER (checked against the compiled statement).
_SAVE_STATES = (
    update(service_table)
    .where(service_table.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in _CHECK_STATE_COLUMNS})
)
_SAVE_ORDER = (*(f"b_{name}" for name in _CHECK_STATE_COLUMNS), "b_id")

# What judging a probe reads of its service, in the order `_stored` unpacks it.
_LOAD_COLUMNS = ("id", "region_code", "failure_threshold", "success_threshold", *_JUDGED_COLUMNS)
_LOAD_STATES = (
    select(*(service_table.c[name] for name in _LOAD_COLUMNS))
    .where(service_table.c.id.in_(bindparam("b_ids", expanding=True)))
    .order_by(service_table.c.id)
    .with_for_update()
)
# Stored text to enum member by a dict lookup: the enum's own call is a few times slower.
_STATES = {state.value: state for state in State}
_REASONS: dict[str | None, Reason | None] = {reason.value: reason for reason in Reason}
_REASONS[None] = _REASONS[""] = None


@dataclass(frozen=True, slots=True)
class StoredCheckState:
    """A service's check state as the database holds it, locked until the batch commits."""

    service_id: int
    region_code: str
    thresholds: Thresholds
    state: CheckState
    state_changed_at: datetime | None
    sequence: int
    failure_signature: str | None = None
    failure_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class CheckStateUpdate:
    """A recorded probe's effect on its service; saving it also ends the service's lease."""

    service_id: int
    state: CheckState
    state_changed_at: datetime | None
    sequence: int
    last_checked_at: datetime
    failure_signature: str | None = None
    failure_since: datetime | None = None


async def load_check_states(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, StoredCheckState]:
    """The rows locked until the batch commits (PostgreSQL; SQLite has one writer), in id
    order so two writers never deadlock: should a lease run out and two replicas record the
    same service, the second reads what the first wrote and repeats no transition. Read
    through the driver: this runs for every probe."""
    rows = await fetch_all_in(session, _LOAD_STATES, "b_ids", ids)
    utc = utc_reader((await session.connection()).dialect)
    stored = (_stored(row, utc) for row in rows)
    return {state.service_id: state for state in stored}


def _stored(row: Sequence[Any], utc: Callable[[Any], datetime | None]) -> StoredCheckState:
    (
        service_id,
        region_code,
        failure_threshold,
        success_threshold,
        state,
        reason,
        state_changed_at,
        consecutive_failures,
        consecutive_successes,
        streak_reason,
        reason_streak,
        failure_signature,
        failure_since,
        sequence,
    ) = row
    check_state = CheckState(
        _STATES[state],
        _REASONS[reason],
        consecutive_failures,
        consecutive_successes,
        _REASONS[streak_reason],
        reason_streak,
    )
    return StoredCheckState(
        service_id,
        region_code,
        Thresholds(failure_threshold, success_threshold),
        check_state,
        utc(state_changed_at),
        sequence,
        failure_signature,
        utc(failure_since),
    )


def check_state_of(service: Service | Row[Any]) -> CheckState:
    """The state machine's view of a service row."""
    return CheckState(
        state=State(service.state),
        reason=Reason(service.reason) if service.reason else None,
        consecutive_failures=service.consecutive_failures,
        consecutive_successes=service.consecutive_successes,
        streak_reason=Reason(service.streak_reason) if service.streak_reason else None,
        reason_streak=service.reason_streak,
    )


async def save_check_states(session: AsyncSession, updates: Sequence[CheckStateUpdate]) -> None:
    if not updates:
        return
    utc = utc_binder((await session.connection()).dialect)
    await execute_many(session, _SAVE_STATES, _SAVE_ORDER, [_bound(u, utc) for u in updates])


def _bound(change: CheckStateUpdate, utc: Callable[[datetime | None], Any]) -> tuple[Any, ...]:
    """A row in _SAVE_ORDER: the SET columns as _CHECK_STATE_COLUMNS lists them, then the id."""
    state = change.state
    return (
        state.state,
        state.reason,
        utc(change.state_changed_at),
        state.consecutive_failures,
        state.consecutive_successes,
        state.streak_reason,
        state.reason_streak,
        change.failure_signature,
        utc(change.failure_since),
        change.sequence,
        utc(change.last_checked_at),
        None,
        change.service_id,
    )
