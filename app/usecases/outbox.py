"""The outbox: an event and one delivery row per matching subscription (and the citizens'
mails it makes, app/usecases/mail_outbox.py), written inside the caller's transaction.
Committed with the transition or rolled back with it, never apart: that is what makes "no
notification lost" hold across any crash.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.cutoffs import Cut
from app.core.domain import Reason, State
from app.core.events import (
    Filters,
    RegionInfo,
    TransitionFacts,
    encode_envelope,
    matches,
    new_event_id,
    transition_data,
    transition_event_type,
)
from app.core.regions.status import RegionState
from app.store.deliveries import add_deliveries
from app.store.models import Region, Service, Transition
from app.store.types import utcnow
from app.store.webhooks import Delivery, Subscription, WebhookEvent
from app.usecases.mail_outbox import enqueue_event_mails

delivery_table: Table = SQLModel.metadata.tables[Delivery.__tablename__]  # type: ignore[index]
subscription_table: Table = SQLModel.metadata.tables[Subscription.__tablename__]  # type: ignore[index]
region_table: Table = SQLModel.metadata.tables[Region.__tablename__]  # type: ignore[index]
service_table: Table = SQLModel.metadata.tables[Service.__tablename__]  # type: ignore[index]
_CACHE_KEY = "pantau.notify.outbox"


async def enqueue_transition_events(session: AsyncSession, transition: Transition) -> None:
    """Write the event announcing `transition` (already flushed, so it has its id) and its
    deliveries. A move into `unknown` announces nothing."""
    from_state, to_state = State(transition.from_state), State(transition.to_state)
    event_type = transition_event_type(from_state, to_state)
    if event_type is None:
        return
    assert transition.id is not None, "append_transition flushes before calling the outbox"
    reason = Reason(transition.reason)
    cache = outbox_cache(session)
    service = await _service_facts(session, transition.service_id)
    facts = TransitionFacts(
        transition_id=transition.id,
        service_id=transition.service_id,
        region_code=transition.region_code,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        source=str(transition.source),
        at=transition.at,
        evidence=transition.evidence,
        incident_id=transition.incident_id,
        region=await cache.region(session, transition.region_code),
        service=service,
        sequence=service["sequence"] if service else None,
    )
    await write_event(
        session,
        event_type=str(event_type),
        data=transition_data(facts),
        region_code=transition.region_code,
        category=str(reason.category),
        reason=str(reason),
        transition_id=transition.id,
        timestamp=transition.at,
    )


async def enqueue_event(
    session: AsyncSession,
    *,
    event_type: str,
    data: dict[str, Any],
    region_code: str | None,
    category: str | None,
    regions: Sequence[str] = (),
    timestamp: datetime | None = None,
) -> WebhookEvent:
    """Write an event that is not a transition (`policy.warning`, `ping`, `wave.*` naming its
    member `regions`) and a delivery for every active subscription whose filters admit it."""
    event, _ = await write_event(
        session,
        event_type=event_type,
        data=data,
        region_code=region_code,
        category=category,
        regions=regions,
        timestamp=timestamp,
    )
    return event


async def write_event(
    session: AsyncSession,
    *,
    event_type: str,
    data: dict[str, Any],
    region_code: str | None,
    category: str | None,
    reason: str | None = None,
    regions: Sequence[str] = (),
    transition_id: int | None = None,
    timestamp: datetime | None = None,
    only_subscription_ids: Collection[int] | None = None,
) -> tuple[WebhookEvent, list[int]]:
    """The event row and the ids of the subscriptions it goes to. With
    `only_subscription_ids`, exactly those (filters and activity ignored: a ping, a replay)."""
    now = utcnow()
    event = WebhookEvent(
        id=new_event_id(),
        type=event_type,
        region_code=region_code,
        category=category,
        reason=reason,
        transition_id=transition_id,
        body=encode_envelope(event_type, timestamp or now, data),
        created_at=now,
    )
    session.add(event)
    await session.flush()
    if only_subscription_ids is not None:
        targets = list(only_subscription_ids)
    else:
        subscriptions = await outbox_cache(session).subscriptions(session)
        targets = [
            sid
            for sid, filters in subscriptions
            if matches(
                filters,
                event_type=event_type,
                region_code=region_code,
                category=category,
                reason=reason,
                regions=regions,
            )
        ]
    await add_deliveries(session, [(event.id, sid) for sid in targets], now=now)
    if only_subscription_ids is None:  # citizens hear of news, not of pings or replays
        await enqueue_event_mails(
            session,
            event_id=event.id,
            event_type=event_type,
            data=data,
            at=timestamp or now,
            now=now,
        )
    return event, targets


async def _service_facts(session: AsyncSession, service_id: int | None) -> dict[str, Any] | None:
    if service_id is None:
        return None
    # Core columns, not session.get: the checker saves states with Core updates, so an ORM
    # object in the identity map could hold a stale sequence.
    c = service_table.c
    query = select(c.id, c.name, c.url, c.sequence).where(c.id == service_id)
    row = (await (await session.connection()).execute(query)).mappings().first()
    return dict(row) if row is not None else None


@dataclass
class OutboxCache:
    """What every event of one transaction reads alike: a wave of transitions must not load
    a thousand subscriptions once per transition. `announced` is each touched region as its
    region.* events last left it, `cuts` each region's cut as its cutoff.* events left it:
    later transitions of the transaction compare against these, not the database, which
    already holds the whole batch."""

    transaction: object
    filters: list[tuple[int, Filters]] | None = None
    regions: dict[str, RegionInfo | None] = field(default_factory=dict)
    announced: dict[str, RegionState] = field(default_factory=dict)
    cuts: dict[str, Cut] = field(default_factory=dict)

    async def subscriptions(self, session: AsyncSession) -> list[tuple[int, Filters]]:
        if self.filters is None:
            s = subscription_table.c
            query = select(s.id, s.event_types, s.region_prefixes, s.categories, s.coalesce_waves)
            result = await (await session.connection()).execute(query.where(s.is_active.is_(True)))
            self.filters = [
                (
                    row["id"],
                    Filters(
                        event_types=tuple(row["event_types"]),
                        region_prefixes=tuple(row["region_prefixes"]),
                        categories=tuple(row["categories"]),
                        coalesce_waves=bool(row["coalesce_waves"]),
                    ),
                )
                for row in result.mappings()
            ]
        return self.filters

    async def region(self, session: AsyncSession, code: str) -> RegionInfo | None:
        if code not in self.regions:
            self.regions[code] = await _region_info(session, code)
        return self.regions[code]


def outbox_cache(session: AsyncSession) -> OutboxCache:
    """The cache of the session's current transaction (a new one after each commit)."""
    transaction = session.sync_session.get_transaction()
    cache = session.info.get(_CACHE_KEY)
    if not isinstance(cache, OutboxCache) or cache.transaction is not transaction:
        cache = OutboxCache(transaction)
        session.info[_CACHE_KEY] = cache
    return cache


async def _region_info(session: AsyncSession, code: str) -> RegionInfo | None:
    region, parent = region_table.alias("region"), region_table.alias("parent")
    query = (
        select(region, parent.c.name.label("parent_name"))
        .outerjoin(parent, parent.c.code == region.c.parent_code)
        .where(region.c.code == code)
    )
    row = (await (await session.connection()).execute(query)).mappings().first()
    if row is None:
        return None
    return RegionInfo(
        code=row["code"],
        name=row["name"],
        level=str(row["level"]),
        parent_code=row["parent_code"],
        province_code=row["parent_code"] or row["code"],
        province_name=row["parent_name"] or row["name"],
    )
