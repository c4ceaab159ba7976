"""Claiming mails for the mailer and recording what the SMTP server said, as webhook
deliveries are (app/store/deliveries.py): a claim stamps the rows with a lease and a token,
an outcome is written only under the same token, and an expired lease makes a row claimable
again (resent with the same Message-ID, which receivers may deduplicate on).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, or_, select, update
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.store.mail import Mail, MailStatus, Subscriber

mail_table: Table = SQLModel.metadata.tables[Mail.__tablename__]  # type: ignore[index]
subscriber_table: Table = SQLModel.metadata.tables[Subscriber.__tablename__]  # type: ignore[index]


@dataclass(frozen=True, slots=True)
class ClaimedMail:
    """One mail leased to this process, with everything needed to send it."""

    mail_id: int
    lease_token: str
    attempt_number: int
    kind: str
    recipient: str
    subscriber_status: str
    message_id: str
    subject: str
    body_text: str
    body_html: str | None
    headers: dict[str, str]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MailResult:
    """What one attempt came to, to be written under the claim's token."""

    claimed: ClaimedMail
    status: MailStatus  # PENDING again for a retry
    at: datetime
    next_attempt_at: datetime | None = None
    error: str | None = None


def _due(now: datetime) -> Any:
    m = mail_table.c
    return and_(
        m.status == str(MailStatus.PENDING),
        m.next_attempt_at <= now,
        or_(m.leased_until.is_(None), m.leased_until < now),
    )


async def has_due_mails(session: AsyncSession, *, now: datetime) -> bool:
    """A cheap read, so an idle tick never takes SQLite's write lock."""
    query = select(mail_table.c.id).where(_due(now)).limit(1)
    return (await (await session.connection()).execute(query)).first() is not None


async def claim_due_mails(
    session: AsyncSession, *, now: datetime, limit: int, lease_seconds: float
) -> list[ClaimedMail]:
    """Due mails, oldest first, leased to the caller; rows another replica holds are skipped
    (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer)."""
    m, s = mail_table.c, subscriber_table.c
    query = (
        select(
            m.id,
            m.attempt_count,
            m.kind,
            m.message_id,
            m.subject,
            m.body_text,
            m.body_html,
            m.headers,
            m.created_at,
            s.email,
            s.status.label("subscriber_status"),
        )
        .join_from(mail_table, subscriber_table, m.subscriber_id == s.id)
        .where(_due(now))
        .order_by(m.next_attempt_at, m.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=mail_table)
    )
    connection = await session.connection()
    rows = (await connection.execute(query)).all()
    if not rows:
        return []
    token = uuid.uuid4().hex
    await connection.execute(
        update(mail_table)
        .where(m.id.in_([row.id for row in rows]))
        .values(
            leased_until=now + timedelta(seconds=lease_seconds),
            lease_token=token,
            attempt_count=m.attempt_count + 1,
            updated_at=now,
        )
    )
    return [
        ClaimedMail(
            mail_id=row.id,
            lease_token=token,
            attempt_number=row.attempt_count + 1,
            kind=row.kind,
            recipient=row.email,
            subscriber_status=row.subscriber_status,
            message_id=row.message_id,
            subject=row.subject,
            body_text=row.body_text,
            body_html=row.body_html,
            headers=dict(row.headers or {}),
            created_at=row.created_at,
        )
        for row in rows
    ]


async def record_mail_results(session: AsyncSession, results: Sequence[MailResult]) -> None:
    """Write each outcome, only where the row still holds the claim's token."""
    m = mail_table.c
    connection = await session.connection()
    for result in results:
        values: dict[str, Any] = {
            "status": str(result.status),
            "leased_until": None,
            "lease_token": None,
            "updated_at": result.at,
            "last_error": result.error[:500] if result.error else None,
        }
        if result.status == MailStatus.SENT:
            values["sent_at"] = result.at
        if result.next_attempt_at is not None:
            values["next_attempt_at"] = result.next_attempt_at
        await connection.execute(
            update(mail_table)
            .where(m.id == result.claimed.mail_id, m.lease_token == result.claimed.lease_token)
            .values(values)
        )
