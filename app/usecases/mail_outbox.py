"""Citizens' mail queued in the caller's transaction: the mails an event makes (called by the
webhook outbox for every event it writes, so a mail commits or vanishes with the transition or
declaration it announces), and the row every mail is stored as.

Each mail is composed when it is queued, in the subscriber's language, and stored whole
(subject, body, headers, Message-ID, Date): a resend after a crash is the same message. A
notice mail carries its own unsubscribe token, of which only the hash is stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from email.utils import make_msgid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.mail_rules import digest
from app.core.mail_text import (
    Lang,
    MailKind,
    MailText,
    Notice,
    compose_notice,
    notice_for_event,
    unsubscribe_headers,
)
from app.settings import Settings
from app.store.db import SETTINGS
from app.store.mail import MailStatus
from app.store.subscribers import (
    Recipient,
    queue_mails,
    recipients_in_region,
    recipients_told_of,
)


def mail_settings(session: AsyncSession) -> Settings | None:
    """The settings of a write session, when mail is configured; else None."""
    settings = session.info.get(SETTINGS)
    if isinstance(settings, Settings) and settings.smtp_url:
        return settings
    return None


def lang_of(value: str | None) -> Lang:
    return "en" if value == "en" else "id"


def page_url(settings: Settings, path: str, lang: Lang, **query: str) -> str:
    """An absolute link on PANTAU_PUBLIC_URL, in the reader's language."""
    params = {**query, **({"lang": "en"} if lang == "en" else {})}
    tail = "&".join(f"{name}={value}" for name, value in params.items())
    return f"{settings.public_base_url}{path}" + (f"?{tail}" if tail else "")


def mail_row(
    settings: Settings,
    *,
    subscriber_id: int,
    kind: MailKind,
    source_key: str,
    text: MailText,
    now: datetime,
    headers: Mapping[str, str] | None = None,
    unsubscribe_token: str | None = None,
    event_id: str | None = None,
    region_code: str | None = None,
    incident_id: int | None = None,
) -> dict[str, Any]:
    """A pending mail as the outbox stores it, due now."""
    return {
        "subscriber_id": subscriber_id,
        "kind": str(kind),
        "source_key": source_key,
        "event_id": event_id,
        "region_code": region_code,
        "incident_id": incident_id,
        "message_id": make_msgid(domain=settings.mail_sender.domain),
        "subject": text.subject,
        "body_text": text.body,
        "body_html": None,
        "headers": dict(headers or {}),
        "unsubscribe_token_hash": digest(unsubscribe_token) if unsubscribe_token else None,
        "status": str(MailStatus.PENDING),
        "attempt_count": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


async def enqueue_event_mails(
    session: AsyncSession,
    *,
    event_id: str,
    event_type: str,
    data: Mapping[str, Any],
    at: datetime,
    now: datetime,
) -> int:
    """Queue the mail an event makes for each confirmed subscriber it concerns (none when
    mail is not configured); returns how many were new."""
    notice = notice_for_event(event_id, event_type, data, at)
    if notice is None:
        return 0
    settings = mail_settings(session)
    if settings is None:
        return 0
    if notice.kind == MailKind.RECOVERY:
        assert notice.incident_id is not None
        recipients = await recipients_told_of(session, notice.incident_id)
    else:
        recipients = await recipients_in_region(session, notice.region_code)
    rows = [_notice_row(settings, notice, recipient, now) for recipient in recipients]
    return await queue_mails(session, rows)


def _notice_row(
    settings: Settings, notice: Notice, recipient: Recipient, now: datetime
) -> dict[str, Any]:
    lang = lang_of(recipient.lang)
    token = secrets.token_urlsafe(32)
    unsubscribe_url = page_url(settings, "/subscribers/unsubscribe", lang, token=token)
    status_url = page_url(settings, f"/regions/{notice.region_code}", lang)
    text = compose_notice(notice, lang, status_url=status_url, unsubscribe_url=unsubscribe_url)
    return mail_row(
        settings,
        subscriber_id=recipient.subscriber_id,
        kind=notice.kind,
        source_key=notice.source_key,
        text=text,
        now=now,
        headers=unsubscribe_headers(unsubscribe_url),
        unsubscribe_token=token,
        event_id=notice.event_id,
        region_code=notice.region_code,
        incident_id=notice.incident_id,
    )
