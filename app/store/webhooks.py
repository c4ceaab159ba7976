"""Webhook tables: subscriptions, the outbox of frozen events, one delivery per (event,
subscription) with its lease and schedule, and every attempt made.

An event's `id` is the Standard Webhooks `webhook-id` and its `body` the exact bytes signed and
sent, so a resend after a crash is byte-for-byte the same message.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.store.models import _utc
from app.store.types import JSONDocument


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # due at next_attempt_at; in flight while leased_until is ahead
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # schedule exhausted, or the subscriber said 410 Gone


class Channel(StrEnum):
    """How a subscription's deliveries go out."""

    WEBHOOK = "webhook"  # a signed HTTP POST (Standard Webhooks) to `url`
    APPRISE = "apprise"  # a chat or push message through Apprise; `url` is an Apprise URL


class Subscription(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(default=Channel.WEBHOOK, max_length=16)
    # A webhook's URL, or an Apprise URL (its tokens inside: never shown after creation).
    url: str = Field(max_length=2048)
    description: str = Field(default="", max_length=500)
    # Empty list = no filter on that dimension.
    event_types: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    region_prefixes: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    categories: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    is_active: bool = True
    # A wave's event replaces its member regions' service.* and region.* events caused by it.
    coalesce_waves: bool = True
    # Plain text: HMAC signing needs the key itself. Never returned after creation.
    secret: str = Field(max_length=128)
    previous_secret: str | None = Field(default=None, max_length=128)
    previous_secret_expires_at: datetime | None = _utc(nullable=True)
    disabled_reason: str | None = Field(default=None, max_length=500)
    disabled_at: datetime | None = _utc(nullable=True)
    # Start of the current run of nothing but failed attempts; None after any success.
    failing_since: datetime | None = _utc(nullable=True)
    last_success_at: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc(now=True)
    updated_at: datetime = _utc(now=True)


class WebhookEvent(SQLModel, table=True):
    __tablename__ = "webhook_event"

    id: str = Field(primary_key=True, max_length=40)  # webhook-id, "msg_…"
    type: str = Field(max_length=40, index=True)
    region_code: str | None = Field(default=None, max_length=8)
    category: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, max_length=32)  # of service.*, region.*, cutoff.*
    transition_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("transition.id", ondelete="SET NULL"), index=True),
    )
    body: str = Field(sa_column=Column(Text(), nullable=False))
    created_at: datetime = _utc(now=True, index=True)


class Delivery(SQLModel, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_subscription_id_id", "subscription_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(
        sa_column=Column(
            String(40), ForeignKey("webhook_event.id", ondelete="CASCADE"), nullable=False
        )
    )
    subscription_id: int = Field(
        sa_column=Column(
            Integer(), ForeignKey("subscription.id", ondelete="CASCADE"), nullable=False
        )
    )
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_type=String(16))
    attempt_count: int = 0  # attempts started, counted at claim time
    next_attempt_at: datetime = _utc()
    leased_until: datetime | None = _utc(nullable=True)
    # Fencing token of the current claim: an outcome is recorded only under the same token.
    lease_token: str | None = Field(default=None, max_length=32)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _utc(now=True)
    updated_at: datetime = _utc(now=True)
    completed_at: datetime | None = _utc(nullable=True)


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempt"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(
        sa_column=Column(
            Integer(),
            ForeignKey("webhook_delivery.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    number: int  # 1 for the first attempt of this delivery
    attempted_at: datetime = _utc()
    status_code: int | None = None
    latency_ms: float
    error_class: str | None = Field(default=None, max_length=64)
    response_excerpt: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    outcome: str = Field(max_length=16)  # succeeded | retry | failed | gone | superseded
