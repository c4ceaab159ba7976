"""Citizens' email subscriptions, public: a request queues a confirmation mail (double
opt-in) and is answered alike whether or not the address is known; confirming and
unsubscribing happen on the pages the mails link to (app/web/subscriber_pages.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from app.api.schemas.subscribers import ACCEPTED, SubscriberCreate, SubscriptionAccepted
from app.http.deps import ClockDep, DatabaseDep, SettingsDep
from app.http.subscribing import accept_subscription, client_address

router = APIRouter(prefix="/api/v1/subscribers", tags=["subscribers"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"description": "A field is wrong (the address, a region code, the language)"},
    429: {"description": "Too many requests from this client or for this address: see Retry-After"},
    503: {"description": "Email is not configured on this server (PANTAU_SMTP_URL)"},
}


@router.post("", status_code=202, response_model=SubscriptionAccepted, responses=RESPONSES)
async def subscribe(
    body: SubscriberCreate,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> SubscriptionAccepted:
    """Ask for mail about regions (double opt-in): a confirmation link goes to the address,
    and nothing else is ever sent to it unless the link is followed and confirmed. Confirmed
    subscribers get one short mail per cutoff, outage, warning and recovery of their regions,
    each with a one-click unsubscribe link. At most `PANTAU_SUBSCRIBE_ADDRESS_PER_DAY`
    requests per address a day and `PANTAU_SUBSCRIBE_CLIENT_PER_HOUR` per client an hour."""
    await accept_subscription(
        database,
        settings,
        clock,
        email=body.email,
        regions=body.regions,
        lang=body.lang,
        client=client_address(request),
    )
    return ACCEPTED
