"""Claiming deliveries for the dispatcher: a cheap peek, then a claim under a lease.

A claim stamps the rows with a lease (`leased_until`) and a token; app.store.attempts writes
an outcome only under the same token, so a delivery re-armed by an operator, or re-claimed by
a replica after the lease ran out, is not overwritten by a late answer. An expired lease
makes the row claimable again: the event is resent, with the same `webhook-id`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, insert, or_, select, update
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.store.webhooks import Delivery, DeliveryStatus, Subscription, WebhookEvent

delivery_table: Table = SQLModel.metadata.tables[Delivery.__tablename__]  # type: ignore[index]
subscription_table: Table = SQLModel.metadata.tables[Subscription.__tablename__]  # type: ignore[index]
event_table: Table = SQLModel.metadata.tables[WebhookEvent.__tablename__]  # type: ignore[index]


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """One delivery leased to this process, with everything needed to send it."""

    delivery_id: int
    lease_token: str
    attempt_number: int
    event_id: str
    body: str
    subscription_id: int
    url: str
    secrets: tuple[str, ...]  # the current secret, then the previous one during its grace
    channel: str = "webhook"  # app.store.webhooks.Channel


def _due(now: datetime) -> Any:
    d, s = delivery_table.c, subscription_table.c
    return and_(
        d.status == str(DeliveryStatus.PENDING),
        d.next_attempt_at <= now,
        or_(d.leased_until.is_(None), d.leased_until < now),
        s.is_active.is_(True),
    )


async def has_due_deliveries(session: AsyncSession, *, now: datetime) -> bool:
    """A cheap read, so an idle tick never takes SQLite's write lock."""
    d, s = delivery_table.c, subscription_table.c
    query = select(d.id).join_from(delivery_table, subscription_table, d.subscription_id == s.id)
    row = (await (await session.connection()).execute(query.where(_due(now)).limit(1))).first()
    return row is not None


async def claim_due_deliveries(
    session: AsyncSession, *, now: datetime, limit: int, lease_seconds: float
) -> list[ClaimedDelivery]:
    """Due deliveries of active subscriptions, oldest first, leased to the caller. Rows another
    replica holds are skipped (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer)."""
    d, s, e = delivery_table.c, subscription_table.c, event_table.c
    query = (
        select(
            d.id,
            d.attempt_count,
            d.event_id,
            d.subscription_id,
            e.body,
            s.url,
            s.channel,
            s.secret,
            s.previous_secret,
            s.previous_secret_expires_at,
        )
        .join_from(delivery_table, subscription_table, d.subscription_id == s.id)
        .join(event_table, d.event_id == e.id)
        .where(_due(now))
        .order_by(d.next_attempt_at, d.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=delivery_table)
    )
    connection = await session.connection()
    rows = (await connection.execute(query)).all()
    if not rows:
        return []
    token = uuid.uuid4().hex  # one claim, one token for all its rows
    await connection.execute(
        update(delivery_table)
        .where(d.id.in_([row.id for row in rows]))
        .values(
            leased_until=now + timedelta(seconds=lease_seconds),
            lease_token=token,
            attempt_count=d.attempt_count + 1,
            updated_at=now,
        )
    )
    return [_claimed(row, token, now) for row in rows]


def _claimed(row: Any, token: str, now: datetime) -> ClaimedDelivery:
    secrets = [row.secret]
    if (
        row.previous_secret
        and row.previous_secret_expires_at
        and (row.previous_secret_expires_at > now)
    ):
        secrets.append(row.previous_secret)
    return ClaimedDelivery(
        delivery_id=row.id,
        lease_token=token,
        attempt_number=row.attempt_count + 1,
        event_id=row.event_id,
        body=row.body,
        subscription_id=row.subscription_id,
        url=row.url,
        secrets=tuple(secrets),
        channel=row.channel,
    )


async def add_deliveries(
    session: AsyncSession, pairs: Iterable[tuple[str, int]], *, now: datetime
) -> None:
    """Pending deliveries of (event id, subscription id), due now. Core executemany: one
    event can fan out to thousands of subscriptions."""
    rows = [
        {
            "event_id": event_id,
            "subscription_id": subscription_id,
            "status": str(DeliveryStatus.PENDING),
            "attempt_count": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for event_id, subscription_id in pairs
    ]
    if rows:
        await (await session.connection()).execute(insert(delivery_table), rows)
