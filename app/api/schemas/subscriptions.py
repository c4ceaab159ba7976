"""Request and response shapes of the subscription and delivery routes. Field validation lives
here, so every bad field is a 422 naming it; what a URL must be depends on the channel and the
SSRF check needs the settings, so the URL's own check runs in the route. An Apprise URL holds
its service's tokens: responses (and the audit log, which records these shapes) show it
masked."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from app.core.domain import Category
from app.core.events import EventType
from app.core.plain_text import PLAIN_TEXT
from app.core.regions.code_fields import RegionPrefixIn
from app.notify.apprise_channel import shown_channel_url
from app.store.webhooks import Channel, Delivery, DeliveryAttempt, DeliveryStatus, Subscription


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


def _no_spaces(value: str) -> str:
    if any(character.isspace() for character in value):
        raise ValueError("URL contains whitespace")
    return value


# One word of text; what else it must be depends on the channel (checked in the route).
TargetUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2048),
    AfterValidator(_no_spaces),
    PLAIN_TEXT,
]
URL_DOC = (
    "`webhook`: http(s), no credentials, not a private address. `apprise`: an Apprise URL"
    " (`ntfys://topic`, `tgram://bot-token/chat-id`, `slack://…`, `discord://…`,"
    " `msteams://…`, `matrixs://…`, `mailtos://…`, `json://host/path`…); a host it names must"
    " not be a private address. Shown masked after creation for `apprise`"
)
CHANNEL_DOC = (
    "`webhook` (default): a signed HTTP POST of the event's JSON body. `apprise`: a short"
    " bilingual chat or push message (title and text, Indonesian first) through Apprise;"
    " same filters, outbox, retries and delivery log"
)


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel = Field(default=Channel.WEBHOOK, description=CHANNEL_DOC)
    url: TargetUrl = Field(description=URL_DOC)
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

    channel: Channel | None = Field(
        default=None, description="A change of channel needs a URL that fits the new one"
    )
    url: TargetUrl | None = None
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
    channel: Channel = Field(description=CHANNEL_DOC)
    url: str = Field(
        description="A webhook's URL; an Apprise URL only as its scheme and the host it names"
        " (`ntfy://ntfy.example.org/…`, `tgram://…`): its tokens are never shown"
    )
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
        return cls.model_validate(_shown(subscription, cls.model_fields))


def _shown(subscription: Subscription, names: Iterable[str]) -> dict[str, Any]:
    """The fields named, an Apprise URL masked."""
    fields = {n: getattr(subscription, n) for n in names}
    if subscription.channel == Channel.APPRISE:
        fields["url"] = shown_channel_url(subscription.url)
    return fields


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(
        description="`whsec_…`: shown once, now; store it (webhooks are signed with it; Apprise"
        " messages are not)"
    )

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionCreated:
        return cls.model_validate(_shown(subscription, cls.model_fields))


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
