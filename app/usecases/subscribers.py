"""Citizens' email subscriptions, double opt-in: a request queues one confirmation mail and
changes nothing else; following its link (and pressing the button) applies what was asked;
an unsubscribe link ends it at once. Each in the caller's transaction.

A request for an address already subscribed, or unsubscribed, is answered exactly like one for
a new address (the caller cannot tell which it was), and its confirmation link is the only
way to change that subscriber's regions or language.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.mail_rules import Limit, client_key, digest, wait_seconds
from app.core.mail_text import Lang, MailKind, compose_confirmation
from app.settings import Settings
from app.store.mail import Subscriber, SubscriberStatus
from app.store.regions import places
from app.store.subscribers import (
    add_request,
    cancel_pending_mails,
    queue_mails,
    request_times,
    set_regions,
    subscriber_by_confirm_hash,
    subscriber_by_unsubscribe_hash,
)
from app.usecases.mail_outbox import lang_of, mail_row, page_url

subscriber_table: Table = SQLModel.metadata.tables[Subscriber.__tablename__]  # type: ignore[index]
CONFIRM_WITHIN = timedelta(days=7)  # a confirmation link older than this has expired
_HOUR, _DAY = 3600.0, 86_400.0


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    email: str  # normalised (app/core/email_address.py)
    regions: Sequence[str]  # existing region codes
    lang: Lang
    client: str  # the client's IP address


async def request_subscription(
    session: AsyncSession, request: SubscriptionRequest, *, settings: Settings, now: datetime
) -> int | None:
    """Queue a confirmation mail for `request`; None when done, else the seconds to wait (a
    rate limit: per client per hour, per address per day)."""
    client_hash, address_hash = digest(client_key(request.client)), digest(request.email)
    by_client, by_address = await request_times(
        session, client_hash=client_hash, address_hash=address_hash, since=now - timedelta(days=1)
    )
    waits = [
        wait_seconds(by_client, Limit(settings.subscribe_client_per_hour, _HOUR), now),
        wait_seconds(by_address, Limit(settings.subscribe_address_per_day, _DAY), now),
    ]
    if any(waits):
        return max(wait for wait in waits if wait)
    await add_request(
        session,
        client_hash=client_hash,
        address_hash=address_hash,
        at=now,
        forget_before=now - timedelta(days=1),
    )
    subscriber_id = await _subscriber_id(session, request.email, request.lang, now)
    token = secrets.token_urlsafe(32)
    subscriber = await session.get(Subscriber, subscriber_id, with_for_update=True)
    assert subscriber is not None
    subscriber.confirm_token_hash = digest(token)
    subscriber.confirm_requested_at = now
    subscriber.requested_regions = sorted(set(request.regions))
    subscriber.requested_lang = request.lang
    subscriber.updated_at = now
    session.add(subscriber)
    named = await places(session, request.regions)
    regions = [(code, named[code].name if code in named else code) for code in request.regions]
    confirm_url = page_url(settings, "/subscribers/confirm", request.lang, token=token)
    text = compose_confirmation(request.lang, regions, confirm_url=confirm_url)
    row = mail_row(
        settings,
        subscriber_id=subscriber_id,
        kind=MailKind.CONFIRM,
        source_key=f"confirm:{digest(token)[:32]}",
        text=text,
        now=now,
    )
    await queue_mails(session, [row])
    return None


async def _subscriber_id(session: AsyncSession, email: str, lang: Lang, now: datetime) -> int:
    """The subscriber of `email`, made pending if new; concurrent first requests make one."""
    connection = await session.connection()
    insert_for = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    values = {
        "email": email,
        "lang": lang,
        "status": str(SubscriberStatus.PENDING),
        "requested_regions": [],
        "created_at": now,
        "updated_at": now,
    }
    await connection.execute(
        insert_for(subscriber_table).values(values).on_conflict_do_nothing(index_elements=["email"])
    )
    query = select(subscriber_table.c.id).where(subscriber_table.c.email == email)
    return int((await connection.execute(query)).scalar_one())


@dataclass(frozen=True, slots=True)
class Confirmation:
    regions: list[str]
    lang: Lang


async def pending_confirmation(
    session: AsyncSession, token: str, *, now: datetime
) -> Confirmation | None:
    """What following this link would confirm; None for an unknown, used or expired link."""
    subscriber = await subscriber_by_confirm_hash(session, digest(token))
    if subscriber is None or not _fresh(subscriber, now):
        return None
    return Confirmation(list(subscriber.requested_regions), lang_of(subscriber.requested_lang))


async def confirm_subscription(
    session: AsyncSession, token: str, *, now: datetime
) -> Confirmation | None:
    """Apply what the request behind this link asked for; None for an unknown, used or
    expired link."""
    subscriber = await subscriber_by_confirm_hash(session, digest(token))
    if subscriber is None or subscriber.id is None or not _fresh(subscriber, now):
        return None
    confirmation = Confirmation(
        list(subscriber.requested_regions), lang_of(subscriber.requested_lang)
    )
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.lang = confirmation.lang
    subscriber.confirmed_at = now
    subscriber.unsubscribed_at = None
    subscriber.confirm_token_hash = None
    subscriber.requested_regions = []
    subscriber.requested_lang = None
    subscriber.updated_at = now
    session.add(subscriber)
    await session.flush()
    await set_regions(session, subscriber.id, confirmation.regions)
    return confirmation


def _fresh(subscriber: Subscriber, now: datetime) -> bool:
    requested = subscriber.confirm_requested_at
    return requested is not None and now - requested <= CONFIRM_WITHIN


async def known_unsubscribe_token(session: AsyncSession, token: str) -> Lang | None:
    """The language of the subscriber this unsubscribe link was made for, if it is one."""
    subscriber = await subscriber_by_unsubscribe_hash(session, digest(token))
    return None if subscriber is None else lang_of(subscriber.lang)


async def unsubscribe(session: AsyncSession, token: str, *, now: datetime) -> Lang | None:
    """End the subscription this link was made for (at once; again is harmless); None for a
    link Pantau never made."""
    subscriber = await subscriber_by_unsubscribe_hash(session, digest(token))
    if subscriber is None or subscriber.id is None:
        return None
    if subscriber.status != SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
        subscriber.unsubscribed_at = now
        subscriber.confirm_token_hash = None  # an older confirmation link no longer works
        subscriber.updated_at = now
        session.add(subscriber)
        await session.flush()
        await set_regions(session, subscriber.id, [])
        await cancel_pending_mails(session, subscriber.id, now=now)
    return lang_of(subscriber.lang)
