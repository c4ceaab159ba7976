"""What the outbox reads to tell region and cutoff events: a region's services now and as their
transitions last left them, the region's latest cutoff.* event, and whether an episode
carried a cutoff. Column reads, never ORM objects: the checker saves states with Core
updates, so an object in the identity map could be stale."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.cutoffs import CUTOFF_EVENTS, Cut
from app.core.domain import Category, Reason, State
from app.core.regions.status import ServiceState
from app.store.models import Service, Transition
from app.store.webhooks import WebhookEvent


def _service_state(state: str | None, reason: str | None, since: object) -> ServiceState:
    return ServiceState(
        State(state) if state else State.UNKNOWN,
        Reason(reason) if reason else None,
        since,  # type: ignore[arg-type]
    )


async def services_now(session: AsyncSession, region_code: str) -> list[ServiceState]:
    """The region's unpaused services as they now are, by id."""
    query = (
        select(Service.state, Service.reason, Service.state_changed_at)
        .where(Service.region_code == region_code, col(Service.is_paused).is_(False))
        .order_by(col(Service.id))
    )
    return [_service_state(*row) for row in (await session.exec(query)).all()]


async def services_as_announced(
    session: AsyncSession, region_code: str, *, except_transition: int
) -> list[ServiceState]:
    """The region's unpaused services, by id, each as its latest transition other than
    `except_transition` left it (`unknown` if it has none). Before a batch's transitions are
    written its states are already saved, so this, not the service rows, is the region as it
    was before the transaction touched it. Per service, ids follow the order its transitions
    were written (its row is locked while they are)."""
    latest = aliased(Transition)
    newest = (
        select(func.max(latest.id))
        .where(latest.service_id == Service.id, latest.id != except_transition)
        .correlate(Service)
        .scalar_subquery()
    )
    query = (
        select(Transition.to_state, Transition.reason, Transition.at)
        .select_from(Service)
        .outerjoin(Transition, col(Transition.id) == newest)
        .where(Service.region_code == region_code, col(Service.is_paused).is_(False))
        .order_by(col(Service.id))
    )
    return [_service_state(*row) for row in (await session.exec(query)).all()]


async def latest_cut(session: AsyncSession, region_code: str) -> Cut:
    """The region's cut as its latest cutoff.* event left it. Cutoff events are rare: the
    type index finds them, the region narrows them."""
    query = (
        select(WebhookEvent.type, WebhookEvent.reason)
        .where(
            col(WebhookEvent.type).in_([str(t) for t in CUTOFF_EVENTS]),
            WebhookEvent.region_code == region_code,
        )
        .order_by(col(WebhookEvent.created_at).desc())
        .limit(1)
    )
    row = (await session.exec(query)).first()
    return Cut() if row is None else Cut.after(row[0], row[1])


async def episode_carried_cutoff(session: AsyncSession, incident_id: int) -> bool:
    """Whether any transition of the episode read a `policy.*` reason."""
    policy = [str(reason) for reason in Reason if reason.category == Category.POLICY]
    query = (
        select(Transition.id)
        .where(Transition.incident_id == incident_id, col(Transition.reason).in_(policy))
        .limit(1)
    )
    return (await session.exec(query)).first() is not None
