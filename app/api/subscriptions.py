"""Subscriptions — webhooks, and chat or push channels through Apprise: create (the secret is
shown once), read, change, delete, rotate the secret, replay past events, ping. Every route
needs the `subscriptions:write` scope: even a read shows where subscribers receive their
notifications. An Apprise URL carries its service's tokens: only its scheme and host are ever
shown again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.audit import record_write
from app.api.schemas.subscriptions import (
    PingResult,
    ReplayResult,
    SecretRotated,
    SecretRotation,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPage,
    SubscriptionPublic,
    SubscriptionUpdate,
)
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.events import EventType
from app.core.instants import Instant
from app.http.auth import AUTH_RESPONSES, Principal, require_scope
from app.http.deps import DatabaseDep, ReadSession, SettingsDep
from app.notify.apprise_channel import channel_url_problem
from app.notify.ssrf import parse_networks, url_problem
from app.settings import Settings
from app.store import subscriptions as store
from app.store.keys import Scope
from app.store.webhooks import Channel, Subscription
from app.usecases.outbox import write_event

router = APIRouter(prefix="/api/v1/subscriptions", tags=["webhooks"])

Writer = Annotated[Principal, Depends(require_scope(Scope.SUBSCRIPTIONS_WRITE))]
ROW_ID_MAX = 2**31 - 1  # PostgreSQL integer: a larger id would be a 500, not a 404
SubscriptionId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    404: {"description": "No subscription has this id"},
}


async def existing_subscription(
    session: AsyncSession,
    subscription_id: int,
    principal: Principal,
    *,
    loc: tuple[str, ...] = ("path", "subscription_id"),
) -> Subscription:
    """The subscription, if the caller may act on it: a region-bound key only on those whose
    region filters all lie in its area (a subscription without region filters hears the whole
    country, so it needs an unbound key)."""
    subscription = await store.get_subscription(session, subscription_id)
    if subscription is None:
        raise NotFound("subscription", subscription_id)
    principal.require_areas(subscription.region_prefixes, loc=loc, indexed=False)
    return subscription


async def _audit(
    session: AsyncSession,
    principal: Principal,
    verb: str,
    target: Subscription | int,
    *,
    before: SubscriptionPublic | None = None,
    after: Subscription | dict[str, Any] | None = None,
) -> None:
    """One audit entry for a subscription write; documents are public shapes, never secrets."""
    document = SubscriptionPublic.of(after) if isinstance(after, Subscription) else after
    await record_write(
        session,
        principal,
        action=f"subscription.{verb}",
        target_type="subscription",
        target_id=target.id if isinstance(target, Subscription) else target,
        before=before,
        after=document,
    )


def _require_valid_target(channel: Channel, url: str, settings: Settings, *, given: bool) -> None:
    """The URL fits the channel and reaches no private address; a 422 naming `url` if not. The
    URL is echoed back only when it is a webhook's, given in this request: an Apprise URL (or
    one stored earlier, perhaps an Apprise one) holds its service's tokens."""
    allowed = parse_networks(settings.webhook_allowed_networks)
    if channel == Channel.APPRISE:
        problem = channel_url_problem(url, allowed)
    else:
        problem = url_problem(url, allowed)
    if problem is not None:
        shown = url if given and channel == Channel.WEBHOOK else None
        raise InvalidInput(("body", "url"), problem, shown)


@router.post("", status_code=201, response_model=SubscriptionCreated, responses=AUTH_RESPONSES)
async def create_subscription(
    spec: SubscriptionCreate, database: DatabaseDep, settings: SettingsDep, principal: Writer
) -> SubscriptionCreated:
    """Subscribe a URL: a webhook, or a chat or push service through Apprise
    (`"channel": "apprise"`). The response holds the signing secret: it is never shown again;
    an Apprise URL is shown masked from now on. A region-bound key's subscription must name
    `region_prefixes`, each within its area."""
    principal.require_areas(spec.region_prefixes, loc=("body", "region_prefixes"))
    await run_in_threadpool(_require_valid_target, spec.channel, spec.url, settings, given=True)
    async with database.transaction() as session:
        subscription = await store.create_subscription(session, **spec.model_dump(mode="json"))
        await _audit(session, principal, "create", subscription, after=subscription)
    return SubscriptionCreated.of(subscription)


@router.get("", response_model=SubscriptionPage, responses=AUTH_RESPONSES)
async def list_subscriptions(
    session: ReadSession,
    principal: Writer,
    cursor: Annotated[int | None, Query(ge=0, le=ROW_ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> SubscriptionPage:
    """Subscriptions in id order; for a region-bound key, those within its area."""
    if principal.area is None:
        rows = await store.list_subscriptions(session, after_id=cursor, limit=limit + 1)
    else:
        every = await store.list_subscriptions(session, after_id=cursor, limit=None)
        rows = [s for s in every if principal.reaches_all(s.region_prefixes)][: limit + 1]
    page = rows[:limit]
    next_cursor = str(page[-1].id) if len(rows) > limit else None
    return SubscriptionPage(items=[SubscriptionPublic.of(s) for s in page], next_cursor=next_cursor)


@router.get("/{subscription_id}", response_model=SubscriptionPublic, responses=RESPONSES)
async def get_subscription(
    subscription_id: SubscriptionId, session: ReadSession, principal: Writer
) -> SubscriptionPublic:
    return SubscriptionPublic.of(await existing_subscription(session, subscription_id, principal))


@router.patch("/{subscription_id}", response_model=SubscriptionPublic, responses=RESPONSES)
async def update_subscription(
    subscription_id: SubscriptionId,
    changes: SubscriptionUpdate,
    database: DatabaseDep,
    settings: SettingsDep,
    principal: Writer,
) -> SubscriptionPublic:
    """Change filters, URL, channel or activity. Re-enabling resumes the deliveries left
    pending. A new channel needs a URL that fits it (usually given with it)."""
    values = changes.model_dump(mode="json", exclude_unset=True)
    if changes.region_prefixes is not None:
        principal.require_areas(changes.region_prefixes, loc=("body", "region_prefixes"))
    if "url" in values or "channel" in values:
        async with database.read() as session:
            current = await existing_subscription(session, subscription_id, principal)
        channel = Channel(values.get("channel", current.channel))
        url = values.get("url", current.url)
        given = "url" in values
        await run_in_threadpool(_require_valid_target, channel, url, settings, given=given)
    async with database.transaction() as session:
        subscription = await existing_subscription(session, subscription_id, principal)
        before = SubscriptionPublic.of(subscription)
        await store.update_subscription(session, subscription, values)
        await _audit(session, principal, "update", subscription, before=before, after=subscription)
    return SubscriptionPublic.of(subscription)


@router.delete("/{subscription_id}", status_code=204, responses=RESPONSES)
async def delete_subscription(
    subscription_id: SubscriptionId, database: DatabaseDep, principal: Writer
) -> Response:
    """Forget a subscription and its delivery log; the events themselves stay."""
    async with database.transaction() as session:
        subscription = await existing_subscription(session, subscription_id, principal)
        before = SubscriptionPublic.of(subscription)
        await store.delete_subscription(session, subscription)
        await _audit(session, principal, "delete", subscription_id, before=before)
    return Response(status_code=204)


@router.post("/{subscription_id}/rotate-secret", response_model=SecretRotated, responses=RESPONSES)
async def rotate_secret(
    subscription_id: SubscriptionId,
    database: DatabaseDep,
    settings: SettingsDep,
    principal: Writer,
    rotation: SecretRotation | None = None,
) -> SecretRotated:
    """A new secret, shown once. Until the grace period ends, every delivery carries two
    signatures, one per secret, so the receiver can switch at its own pace."""
    grace = settings.webhook_secret_grace_seconds
    if rotation is not None and rotation.grace_seconds is not None:
        grace = rotation.grace_seconds
    async with database.transaction() as session:
        subscription = await existing_subscription(session, subscription_id, principal)
        secret = await store.rotate_secret(session, subscription, grace_seconds=grace)
        # The new secret stays out of the log: only the fact and the grace period go in.
        await _audit(
            session, principal, "rotate_secret", subscription, after={"grace_seconds": grace}
        )
    assert subscription.previous_secret_expires_at is not None
    return SecretRotated(
        secret=secret, previous_secret_expires_at=subscription.previous_secret_expires_at
    )


@router.post(
    "/{subscription_id}/replay", status_code=202, response_model=ReplayResult, responses=RESPONSES
)
async def replay(
    subscription_id: SubscriptionId,
    since: Annotated[Instant, Query(description="ISO-8601 with a time zone")],
    database: DatabaseDep,
    principal: Writer,
) -> ReplayResult:
    """Queue again every event since `since` that the subscription's filters admit, with
    their original `webhook-id`s (receivers deduplicate on them)."""
    async with database.transaction() as session:
        subscription = await existing_subscription(session, subscription_id, principal)
        count, last = await store.replay(session, subscription, since=since)
        await _audit(
            session,
            principal,
            "replay",
            subscription,
            after={"since": since.isoformat(), "events": count},
        )
    return ReplayResult(subscription_id=subscription_id, events=count, last_event_at=last)


@router.post(
    "/{subscription_id}/ping", status_code=202, response_model=PingResult, responses=RESPONSES
)
async def ping(
    subscription_id: SubscriptionId, database: DatabaseDep, principal: Writer
) -> PingResult:
    """Send a `ping` event to this subscription alone, through the same outbox and dispatcher
    as real events; its delivery shows in the log."""
    async with database.transaction() as session:
        subscription = await existing_subscription(session, subscription_id, principal)
        if not subscription.is_active:
            raise Conflict("the subscription is disabled: re-enable it to ping it")
        event, _targets = await write_event(
            session,
            event_type=str(EventType.PING),
            data={"subscription_id": subscription_id, "message": "Pantau ping"},
            region_code=None,
            category=None,
            only_subscription_ids=[subscription_id],
        )
        await _audit(session, principal, "ping", subscription, after={"event_id": event.id})
    return PingResult(event_id=event.id, subscription_id=subscription_id)
