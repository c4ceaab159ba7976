"""Recording delivery attempts in batches: the attempt log, each delivery's new status (only
under the lease token it was claimed with), and each subscription's health — failing since
when, disabled on 410 or after nothing but failures for too long. A handful of statements per
batch, not per attempt: a fan-out to thousands of subscribers records at send speed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.store.deliveries import ClaimedDelivery
from app.store.types import UTCDateTime
from app.store.webhooks import Delivery, DeliveryAttempt, DeliveryStatus, Subscription

delivery_table: Table = SQLModel.metadata.tables[Delivery.__tablename__]  # type: ignore[index]
attempt_table: Table = SQLModel.metadata.tables[DeliveryAttempt.__tablename__]  # type: ignore[index]
subscription_table: Table = SQLModel.metadata.tables[Subscription.__tablename__]  # type: ignore[index]
ERROR_MAX_CHARS = 500
_STATUS = {"succeeded": DeliveryStatus.SUCCEEDED, "retry": DeliveryStatus.PENDING}


@dataclass(frozen=True, slots=True)
class AttemptRow:
    """One attempt and its consequence, as the dispatcher decided it."""

    claimed: ClaimedDelivery
    attempted_at: datetime
    latency_ms: float
    status_code: int | None
    error_class: str | None
    error: str | None
    response_excerpt: str | None
    outcome: str  # succeeded | retry | failed | gone
    next_attempt_at: datetime | None


async def record_attempts(
    session: AsyncSession, rows: Sequence[AttemptRow], *, disable_after_seconds: float
) -> None:
    """Log every attempt; settle the deliveries still held under their claim's token (the
    others are logged as `superseded`); update the subscriptions' health."""
    if not rows:
        return
    held = await _held_tokens(session, [row.claimed.delivery_id for row in rows])
    current = [row for row in rows if held.get(row.claimed.delivery_id) == row.claimed.lease_token]
    await _settle(session, current)
    log = [_attempt_values(row, row in current) for row in rows]
    await (await session.connection()).execute(insert(attempt_table), log)
    await _update_health(session, rows, disable_after_seconds)


async def _held_tokens(session: AsyncSession, delivery_ids: list[int]) -> dict[int, str | None]:
    d = delivery_table.c
    # In id order, like every lock taken here: two replicas recording at once cannot deadlock.
    query = (
        select(d.id, d.lease_token).where(d.id.in_(delivery_ids)).order_by(d.id).with_for_update()
    )
    result = await (await session.connection()).execute(query)
    return {row.id: row.lease_token for row in result}


def _attempt_values(row: AttemptRow, settled: bool) -> dict[str, Any]:
    return {
        "delivery_id": row.claimed.delivery_id,
        "number": row.claimed.attempt_number,
        "attempted_at": row.attempted_at,
        "status_code": row.status_code,
        "latency_ms": row.latency_ms,
        "error_class": row.error_class,
        "response_excerpt": row.response_excerpt,
        "outcome": row.outcome if settled else "superseded",
    }


async def _settle(session: AsyncSession, rows: Sequence[AttemptRow]) -> None:
    if not rows:
        return
    d = delivery_table.c
    statement = (
        update(delivery_table)
        .where(d.id == bindparam("b_id"), d.lease_token == bindparam("b_token"))
        .values(
            status=bindparam("b_status"),
            leased_until=None,
            lease_token=None,
            last_status_code=bindparam("b_code"),
            last_error=bindparam("b_error"),
            updated_at=bindparam("b_at"),
            completed_at=bindparam("b_done"),
            # A retry moves the slot; a final outcome leaves it where it was.
            next_attempt_at=func.coalesce(
                bindparam("b_next", type_=UTCDateTime()), d.next_attempt_at
            ),
        )
    )
    params = [
        {
            "b_id": row.claimed.delivery_id,
            "b_token": row.claimed.lease_token,
            "b_status": str(_STATUS.get(row.outcome, DeliveryStatus.FAILED)),
            "b_code": row.status_code,
            "b_error": (row.error or "")[:ERROR_MAX_CHARS] or None,
            "b_at": row.attempted_at,
            "b_done": None if row.outcome == "retry" else row.attempted_at,
            "b_next": row.next_attempt_at,
        }
        for row in sorted(rows, key=lambda r: r.claimed.delivery_id)
    ]
    await (await session.connection()).execute(statement, params)


@dataclass(slots=True)
class _Health:
    """One subscription's attempts in a batch, in time order, summed up."""

    last_success: datetime | None = None
    failing_since: datetime | None = None  # first failure after the last success
    last_failure: datetime | None = None
    gone_at: datetime | None = None


def _summarise(rows: Sequence[AttemptRow]) -> dict[int, _Health]:
    health: dict[int, _Health] = {}
    for row in sorted(rows, key=lambda r: r.attempted_at):
        h = health.setdefault(row.claimed.subscription_id, _Health())
        if row.outcome == "succeeded":
            h.last_success, h.failing_since = row.attempted_at, None
            continue
        h.failing_since = h.failing_since or row.attempted_at
        h.last_failure = row.attempted_at
        if row.outcome == "gone":
            h.gone_at = row.attempted_at
    return dict(sorted(health.items()))  # subscription rows are locked in id order


async def _update_health(
    session: AsyncSession, rows: Sequence[AttemptRow], disable_after_seconds: float
) -> None:
    s = subscription_table.c
    connection = await session.connection()
    health = _summarise(rows)
    succeeded = [
        {"b_id": sid, "b_success": h.last_success, "b_since": h.failing_since}
        for sid, h in health.items()
        if h.last_success is not None
    ]
    if succeeded:
        statement = (
            update(subscription_table)
            .where(s.id == bindparam("b_id"))
            .values(last_success_at=bindparam("b_success"), failing_since=bindparam("b_since"))
        )
        await connection.execute(statement, succeeded)
    only_failed = [
        {"b_id": sid, "b_since": h.failing_since}
        for sid, h in health.items()
        if h.last_success is None and h.failing_since is not None
    ]
    if only_failed:
        since = func.coalesce(s.failing_since, bindparam("b_since", type_=UTCDateTime()))
        statement = (
            update(subscription_table).where(s.id == bindparam("b_id")).values(failing_since=since)
        )
        await connection.execute(statement, only_failed)
    for sid, h in health.items():
        if h.gone_at is not None:
            await _disable(session, sid, "the receiver answered 410 Gone", h.gone_at)
    await _disable_long_failing(session, health, disable_after_seconds)


async def _disable_long_failing(
    session: AsyncSession, health: dict[int, _Health], disable_after_seconds: float
) -> None:
    s = subscription_table.c
    failing = {sid: h.last_failure for sid, h in health.items() if h.last_failure is not None}
    if not failing:
        return
    query = select(s.id, s.failing_since).where(
        s.id.in_(list(failing)), s.is_active.is_(True), s.failing_since.is_not(None)
    )
    for row in await (await session.connection()).execute(query):
        last = failing[row.id]
        assert last is not None
        if (last - row.failing_since).total_seconds() >= disable_after_seconds:
            reason = f"every delivery attempt failed since {row.failing_since.isoformat()}"
            await _disable(session, row.id, reason, last)


async def _disable(session: AsyncSession, subscription_id: int, reason: str, at: datetime) -> None:
    s = subscription_table.c
    await (await session.connection()).execute(
        update(subscription_table)
        .where(s.id == subscription_id, s.is_active.is_(True))
        .values(is_active=False, disabled_reason=reason, disabled_at=at, updated_at=at)
    )
