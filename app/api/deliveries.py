"""The delivery log: what was sent to a subscription, every attempt, and a manual retry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.audit import record_write
from app.api.schemas.subscriptions import (
    AttemptPublic,
    DeliveryDetail,
    DeliveryPage,
    DeliveryPublic,
)
from app.api.subscriptions import ROW_ID_MAX, SubscriptionId, Writer, existing_subscription
from app.core.errors import NotFound
from app.http.auth import AUTH_RESPONSES, Principal
from app.http.deps import DatabaseDep, ReadSession
from app.store import subscriptions as store
from app.store.types import utcnow
from app.store.webhooks import Delivery, DeliveryStatus, WebhookEvent

router = APIRouter(tags=["webhooks"])

DeliveryId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    404: {"description": "No such subscription or delivery"},
}


async def _delivery(session: AsyncSession, delivery_id: int, principal: Principal) -> Delivery:
    """The delivery, if the caller may act on its subscription (see existing_subscription)."""
    delivery = await store.get_delivery(session, delivery_id)
    if delivery is None:
        raise NotFound("delivery", delivery_id)
    where = ("path", "delivery_id")
    await existing_subscription(session, delivery.subscription_id, principal, loc=where)
    return delivery


async def _with_attempts(session: AsyncSession, delivery: Delivery) -> DeliveryDetail:
    assert delivery.id is not None
    event = await session.get(WebhookEvent, delivery.event_id)
    attempts = await store.attempts_of(session, delivery.id)
    public = DeliveryPublic.of(delivery, event.type if event else "")
    return DeliveryDetail(**public.model_dump(), attempts=[AttemptPublic.of(a) for a in attempts])


@router.get(
    "/api/v1/subscriptions/{subscription_id}/deliveries",
    response_model=DeliveryPage,
    responses=RESPONSES,
)
async def list_deliveries(
    subscription_id: SubscriptionId,
    session: ReadSession,
    principal: Writer,
    status: DeliveryStatus | None = None,
    cursor: Annotated[
        int | None, Query(ge=0, le=ROW_ID_MAX, description="`next_cursor` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveryPage:
    """Newest first; `status=failed` lists what exhausted its retries or met a 410."""
    await existing_subscription(session, subscription_id, principal)
    rows = await store.list_deliveries(
        session, subscription_id=subscription_id, status=status, after_id=cursor, limit=limit + 1
    )
    page = rows[:limit]
    next_cursor = str(page[-1][0].id) if len(rows) > limit else None
    items = [DeliveryPublic.of(delivery, event_type) for delivery, event_type in page]
    return DeliveryPage(items=items, next_cursor=next_cursor)


@router.get("/api/v1/deliveries/{delivery_id}", response_model=DeliveryDetail, responses=RESPONSES)
async def get_delivery(
    delivery_id: DeliveryId, session: ReadSession, principal: Writer
) -> DeliveryDetail:
    """One delivery with every attempt: status code, latency, error class, response excerpt."""
    return await _with_attempts(session, await _delivery(session, delivery_id, principal))


@router.post(
    "/api/v1/deliveries/{delivery_id}/retry",
    status_code=202,
    response_model=DeliveryDetail,
    responses=RESPONSES,
)
async def retry_delivery(
    delivery_id: DeliveryId, database: DatabaseDep, principal: Writer
) -> DeliveryDetail:
    """Send again now, on a fresh retry schedule, with the same `webhook-id`."""
    async with database.transaction() as session:
        delivery = await _delivery(session, delivery_id, principal)
        before_status = delivery.status
        await store.rearm_deliveries(session, [delivery_id], now=utcnow())
        await record_write(
            session,
            principal,
            action="delivery.retry",
            target_type="delivery",
            target_id=delivery_id,
            before={"status": str(before_status), "subscription_id": delivery.subscription_id},
        )
        await session.refresh(delivery)
        return await _with_attempts(session, delivery)
