"""Subscription rows and their delivery log, as the API reads and changes them: create with
a fresh secret, filter changes, rotation with a grace period, re-arming deliveries (retry,
replay)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, update
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.events import Filters, matches
from app.core.signing import new_secret
from app.store.deliveries import add_deliveries
from app.store.types import utcnow
from app.store.webhooks import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Subscription,
    WebhookEvent,
)

REPLAY_MAX_EVENTS = 10_000
event_table: Table = SQLModel.metadata.tables[WebhookEvent.__tablename__]  # type: ignore[index]
delivery_table: Table = SQLModel.metadata.tables[Delivery.__tablename__]  # type: ignore[index]


async def create_subscription(session: AsyncSession, **fields: Any) -> Subscription:
    """A new subscription with a fresh secret; `fields` are validated API input."""
    now = utcnow()
    subscription = Subscription(**fields, secret=new_secret(), created_at=now, updated_at=now)
    session.add(subscription)
    await session.flush()
    return subscription


async def get_subscription(session: AsyncSession, subscription_id: int) -> Subscription | None:
    return await session.get(Subscription, subscription_id)


async def list_subscriptions(
    session: AsyncSession, *, after_id: int | None, limit: int | None
) -> Sequence[Subscription]:
    """In id order, after `after_id`; `limit` None: all of them."""
    query = select(Subscription).order_by(col(Subscription.id)).limit(limit)
    if after_id is not None:
        query = query.where(col(Subscription.id) > after_id)
    return (await session.exec(query)).all()


async def update_subscription(
    session: AsyncSession, subscription: Subscription, changes: dict[str, Any]
) -> Subscription:
    """Apply validated changes. Re-enabling clears the reason and the failure streak; the
    deliveries left pending while disabled resume."""
    for name, value in changes.items():
        setattr(subscription, name, value)
    if changes.get("is_active") is True:
        subscription.disabled_reason = None
        subscription.disabled_at = None
        subscription.failing_since = None
    elif changes.get("is_active") is False and subscription.disabled_reason is None:
        subscription.disabled_reason = "disabled through the API"
        subscription.disabled_at = utcnow()
    subscription.updated_at = utcnow()
    session.add(subscription)
    await session.flush()
    return subscription


async def delete_subscription(session: AsyncSession, subscription: Subscription) -> None:
    """Its deliveries and their attempts go with it (ON DELETE CASCADE); events stay."""
    await session.delete(subscription)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, subscription: Subscription, *, grace_seconds: float
) -> str:
    """A new secret; the old one keeps signing beside it for `grace_seconds`."""
    now = utcnow()
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = now + timedelta(seconds=grace_seconds)
    subscription.secret = new_secret()
    subscription.updated_at = now
    session.add(subscription)
    await session.flush()
    return subscription.secret


async def list_deliveries(
    session: AsyncSession,
    *,
    subscription_id: int,
    status: DeliveryStatus | None,
    after_id: int | None,
    limit: int,
) -> list[tuple[Delivery, str]]:
    """Deliveries of one subscription, newest first, with their event's type."""
    query = (
        select(Delivery, WebhookEvent.type)
        .join(WebhookEvent, col(WebhookEvent.id) == col(Delivery.event_id))
        .where(col(Delivery.subscription_id) == subscription_id)
        .order_by(col(Delivery.id).desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(col(Delivery.status) == str(status))
    if after_id is not None:
        query = query.where(col(Delivery.id) < after_id)
    return [(delivery, event_type) for delivery, event_type in (await session.exec(query)).all()]


async def get_delivery(session: AsyncSession, delivery_id: int) -> Delivery | None:
    return await session.get(Delivery, delivery_id)


async def attempts_of(session: AsyncSession, delivery_id: int) -> Sequence[DeliveryAttempt]:
    query = (
        select(DeliveryAttempt)
        .where(col(DeliveryAttempt.delivery_id) == delivery_id)
        .order_by(col(DeliveryAttempt.id))
    )
    return (await session.exec(query)).all()


async def rearm_deliveries(
    session: AsyncSession, delivery_ids: Sequence[int], *, now: datetime
) -> None:
    """Due now, on a fresh schedule. A lease in flight is dropped: its late outcome will find
    another token and be logged as superseded."""
    if not delivery_ids:
        return
    statement = (
        update(Delivery)
        .where(col(Delivery.id).in_(delivery_ids))
        .values(
            status=str(DeliveryStatus.PENDING),
            attempt_count=0,
            next_attempt_at=now,
            leased_until=None,
            lease_token=None,
            completed_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    await (await session.connection()).execute(statement)


async def replay(
    session: AsyncSession, subscription: Subscription, *, since: datetime
) -> tuple[int, datetime | None]:
    """Send again every event since `since` that the subscription's filters admit (also
    those from before it existed, or while it was disabled). Returns how many events and the
    time of the last one; at most REPLAY_MAX_EVENTS per call, so a caller continues from it."""
    now = utcnow()
    e = event_table.c
    query = (
        sa_select(e.id, e.type, e.region_code, e.category, e.reason, e.created_at)
        .where(e.created_at >= since, e.type != "ping")
        .order_by(e.created_at, e.id)
        .limit(REPLAY_MAX_EVENTS)
    )
    filters = Filters(
        tuple(subscription.event_types),
        tuple(subscription.region_prefixes),
        tuple(subscription.categories),
        coalesce_waves=subscription.coalesce_waves,
    )
    events = [
        row
        for row in (await (await session.connection()).execute(query)).all()
        if matches(
            filters,
            event_type=row.type,
            region_code=row.region_code,
            category=row.category,
            reason=row.reason,
        )
    ]
    assert subscription.id is not None
    existing = await _deliveries_by_event(session, subscription.id, [row.id for row in events])
    await rearm_deliveries(session, list(existing.values()), now=now)
    missing = [(row.id, subscription.id) for row in events if row.id not in existing]
    await add_deliveries(session, missing, now=now)
    return len(events), (events[-1].created_at if events else None)


async def _deliveries_by_event(
    session: AsyncSession, subscription_id: int, event_ids: Sequence[str]
) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(event_ids), 500):  # bounded IN lists
        chunk = event_ids[start : start + 500]
        d = delivery_table.c
        query = sa_select(d.event_id, d.id).where(
            d.subscription_id == subscription_id, d.event_id.in_(chunk)
        )
        rows = (await (await session.connection()).execute(query)).all()
        found.update({row.event_id: row.id for row in rows})
    return found
