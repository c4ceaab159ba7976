"""Email subscribers (citizens, double opt-in) and the mail outbox.

A subscriber is one address (normalised: domain lower-cased and in IDNA form), its language
and where it stands: `pending` until a confirmation link is followed, `confirmed`, or
`unsubscribed`. What a subscription request asks for (regions, language) waits in
`requested_*` until it is confirmed, so nobody can change another person's regions; the
confirmed regions are rows of `mail_subscriber_region`, one per region, which is what the
outbox looks an event's region up in.

Tokens are never stored: the confirmation token's SHA-256 is on the subscriber, and each mail
carries its own unsubscribe token whose SHA-256 is on the mail row, so every link ever sent
keeps working. A mail row is one message to one subscriber, unique per (subscriber, source):
the source is the event (or the episode, for a recovery) it announces, so a retried
transaction or a crash never queues the same mail twice. The dispatcher leases due rows like
webhook deliveries (app/store/deliveries.py).

`mail_request` is the subscription requests accepted lately (hashes of the address and of the
client's IP, never the address itself), which the rate limits count; every replica reads it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.store.models import _utc
from app.store.types import JSONDocument


class SubscriberStatus(StrEnum):
    PENDING = "pending"  # asked, never confirmed: it gets confirmation mails only
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class MailStatus(StrEnum):
    PENDING = "pending"  # due at next_attempt_at; in flight while leased_until is ahead
    SENT = "sent"
    FAILED = "failed"  # refused for good (5xx), or the schedule is exhausted
    CANCELLED = "cancelled"  # its subscriber left (or never confirmed) before it went


class Subscriber(SQLModel, table=True):
    __tablename__ = "mail_subscriber"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    lang: str = Field(default="id", max_length=2)
    status: SubscriberStatus = Field(default=SubscriberStatus.PENDING, sa_type=String(16))
    # SHA-256 (hex) of the latest confirmation link's token; None once used.
    confirm_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    confirm_requested_at: datetime | None = _utc(nullable=True)
    # What the latest request asked for, applied when its link is followed.
    requested_regions: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    requested_lang: str | None = Field(default=None, max_length=2)
    created_at: datetime = _utc(now=True)
    updated_at: datetime = _utc(now=True)
    confirmed_at: datetime | None = _utc(nullable=True)
    unsubscribed_at: datetime | None = _utc(nullable=True)


class SubscriberRegion(SQLModel, table=True):
    """A confirmed subscriber's region: a regency, a city or a whole province."""

    __tablename__ = "mail_subscriber_region"

    subscriber_id: int = Field(
        sa_column=Column(
            Integer(),
            ForeignKey("mail_subscriber.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    region_code: str = Field(
        sa_column=Column(String(8), ForeignKey("region.code"), primary_key=True, index=True)
    )


class Mail(SQLModel, table=True):
    __tablename__ = "mail_message"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "source_key"),
        Index("ix_mail_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(
        sa_column=Column(
            Integer(), ForeignKey("mail_subscriber.id", ondelete="CASCADE"), nullable=False
        )
    )
    kind: str = Field(max_length=16)  # confirm | cutoff | outage | warning | lifted | recovery
    # What the mail announces: "event:<webhook-id>", "recovery:<incident id>", "confirm:<n>".
    source_key: str = Field(max_length=80)
    event_id: str | None = Field(default=None, max_length=40)
    region_code: str | None = Field(default=None, max_length=8)
    # The episode it tells of: its recovery goes to those told (app/core/mail_text.py).
    incident_id: int | None = Field(default=None, index=True)
    message_id: str = Field(max_length=255)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text(), nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    # Headers beyond From/To/Subject/Date/Message-ID: List-Unsubscribe and the like.
    headers: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDocument)
    unsubscribe_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    status: MailStatus = Field(default=MailStatus.PENDING, sa_type=String(16))
    attempt_count: int = 0  # attempts started, counted at claim time
    next_attempt_at: datetime = _utc()
    leased_until: datetime | None = _utc(nullable=True)
    lease_token: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _utc(now=True)
    updated_at: datetime = _utc(now=True)
    sent_at: datetime | None = _utc(nullable=True)


class MailRequest(SQLModel, table=True):
    """One accepted subscription request, for the rate limits: hashes only."""

    __tablename__ = "mail_request"
    __table_args__ = (
        Index("ix_mail_request_client_hash_at", "client_hash", "at"),
        Index("ix_mail_request_address_hash_at", "address_hash", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_hash: str = Field(max_length=64)
    address_hash: str = Field(max_length=64)
    at: datetime = _utc(index=True)
