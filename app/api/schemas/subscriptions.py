"""Request and response shapes of the subscription and delivery routes. Field validation lives
here, so every bad field is a 422 naming it; the SSRF check needs the settings and runs in
the route."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from app.core.domain import Category
from app.core.events import EventType
from app.core.plain_text import PLAIN_TEXT
from app.core.regions.code_fields import RegionPrefixIn
from app.store.service_models import Url
from app.store.webhooks import Delivery, DeliveryAttempt, DeliveryStatus, Subscription


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


COALESCE_WAVES = (
    "True: a wave's `wave.*` events replace its member regions' `service.*` and `region.*`"
    " events caused by the wave (`upstream.central`, `network.backbone`); false: both are"
    " delivered"
)
Description = Annotated[str, Field(max_length=500), PLAIN_TEXT]
EventTypes = Annotated[list[EventType], Field(max_length=20), AfterValidator(_unique)]
RegionPrefixes = Annotated[list[RegionPrefixIn], Field(max_length=600), AfterValidator(_unique)]
Categories = Annotated[list[Category], Field(max_length=20), AfterValidator(_unique)]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url = Field(description="http(s), no credentials, not a private address")
    description: Description = ""
    event_types: EventTypes = Field(default_factory=list, description="Empty: every type")
    region_prefixes: RegionPrefixes = Field(
        default_factory=list, description='`"73"` matches the province and its regencies'
    )
    categories: Categories = Field(default_factory=list, description="Reason categories")
    is_active: bool = True
    coalesce_waves: bool = Field(default=True, description=COALESCE_WAVES)


class SubscriptionUpdate(BaseModel):
    """Only the fields given change; none of them may be null."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    description: Description | None = None
    event_types: EventTypes | None = None
    region_prefixes: RegionPrefixes | None = None
    categories: Categories | None = None
    is_active: bool | None = None
    coalesce_waves: bool | None = None

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class SubscriptionPublic(BaseModel):
    id: int
    url: str
    description: str
    event_types: list[str]
    region_prefixes: list[str]
    categories: list[str]
    is_active: bool
    coalesce_waves: bool = Field(description=COALESCE_WAVES)
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None = Field(description="Start of a run of only failures")
    last_success_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries also carry a signature with the previous secret"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionPublic:
        return cls.model_validate({n: getattr(subscription, n) for n in cls.model_fields})


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(description="`whsec_…`: shown once, now; store it")

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionCreated:
        return cls.model_validate({n: getattr(subscription, n) for n in cls.model_fields})


class SubscriptionPage(BaseModel):
    items: list[SubscriptionPublic]
    next_cursor: str | None


class SecretRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_seconds: float | None = Field(
        default=None, ge=0, le=7 * 86_400, description="Default: PANTAU_WEBHOOK_SECRET_GRACE"
    )


class SecretRotated(BaseModel):
    secret: str = Field(description="The new `whsec_…`: shown once")
    previous_secret_expires_at: datetime


class ReplayResult(BaseModel):
    subscription_id: int
    events: int = Field(description="Events queued again (at most 10,000 per call)")
    last_event_at: datetime | None = Field(description="Continue from here if events = 10,000")


class PingResult(BaseModel):
    event_id: str
    subscription_id: int


class AttemptPublic(BaseModel):
    number: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    error_class: str | None
    response_excerpt: str | None
    outcome: str

    @classmethod
    def of(cls, attempt: DeliveryAttempt) -> AttemptPublic:
        return cls.model_validate({n: getattr(attempt, n) for n in cls.model_fields})


class DeliveryPublic(BaseModel):
    id: int
    event_id: str = Field(description="The `webhook-id` every attempt carries")
    event_type: str
    subscription_id: int
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime
    leased_until: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, delivery: Delivery, event_type: str) -> DeliveryPublic:
        fields = {n: getattr(delivery, n, None) for n in cls.model_fields}
        return cls.model_validate(fields | {"event_type": event_type})


class DeliveryDetail(DeliveryPublic):
    attempts: list[AttemptPublic]


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    next_cursor: str | None
