"""What an operator may ask Pantau to monitor: the check spec as the API and the services file
accept it. Validation lives here once, so both paths reject the same input the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.core.check_settings import CHECK_DEFAULTS
from app.core.disclosure import public_url, without_userinfo
from app.core.domain import Category, Reason, State
from app.core.plain_text import PLAIN_TEXT
from app.core.probe_urls import check_probe_url
from app.core.regions.code_fields import RegionCodeIn
from app.core.service_credentials import BasicAuth, no_userinfo, userinfo_into_basic_auth
from app.store.models import Service

DEFAULT_TIMEOUT_SECONDS = CHECK_DEFAULTS.timeout_seconds


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), PLAIN_TEXT
]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(check_probe_url), PLAIN_TEXT
]
Method = Annotated[Literal["GET", "HEAD"], BeforeValidator(_upper)]
IntervalSeconds = Annotated[int, Field(ge=1, le=86_400)]
TimeoutSeconds = Annotated[float, Field(gt=0, le=86_400, allow_inf_nan=False)]
Threshold = Annotated[int, Field(ge=1, le=100)]
LatencyMs = Annotated[int, Field(ge=1, le=86_400_000)]
StatusCode = Annotated[int, Field(ge=100, le=599)]
BodyText = Annotated[str, StringConstraints(min_length=1, max_length=500), PLAIN_TEXT]
Marker = Annotated[str, StringConstraints(max_length=100), AfterValidator(_not_blank), PLAIN_TEXT]
Markers = Annotated[list[Marker], Field(max_length=50)]
ProbeUrl = Annotated[Url, AfterValidator(no_userinfo)]


BASIC_AUTH_DOC = (
    "Write-only: sent by the prober, never returned; on update, null removes it. Required "
    "again (or null) when a URL change moves the service to another origin"
)


def _timeout_below_interval(timeout: float, interval: int | None) -> float:
    if interval is not None and timeout >= interval:
        raise ValueError(f"must be less than interval_seconds ({interval})")
    return timeout


class ServiceCreate(BaseModel):
    """A new monitored endpoint. Everything but region_code, name and url has a default."""

    model_config = ConfigDict(extra="forbid")

    key: Key | None = Field(
        default=None, description="Stable identity for the services file; API-made services omit it"
    )
    region_code: RegionCodeIn = Field(examples=["73.73"])
    name: Name = Field(examples=["SIAK Gateway Palopo"])
    url: ProbeUrl = Field(
        examples=["https://siak.palopokota.go.id/health"],
        description="Userinfo (`user:pass@`) is moved into basic_auth; the public never sees "
        "the query string",
    )
    basic_auth: BasicAuth | None = Field(default=None, description=BASIC_AUTH_DOC)
    method: Method = CHECK_DEFAULTS.method
    interval_seconds: IntervalSeconds = CHECK_DEFAULTS.interval_seconds
    timeout_seconds: TimeoutSeconds = Field(
        default=DEFAULT_TIMEOUT_SECONDS,
        description="Below interval_seconds; when omitted, 10 s or half a shorter interval",
    )
    failure_threshold: Threshold = CHECK_DEFAULTS.failure_threshold
    success_threshold: Threshold = CHECK_DEFAULTS.success_threshold
    degraded_latency_ms: LatencyMs | None = Field(
        default=CHECK_DEFAULTS.degraded_latency_ms, description="null: never degraded"
    )
    expected_status: StatusCode = CHECK_DEFAULTS.expected_status
    body_contains: BodyText | None = CHECK_DEFAULTS.body_contains
    policy_markers: Markers | None = Field(
        default=None, description="null: the classifier's bilingual defaults"
    )
    cutoff_markers: Markers | None = None
    follow_redirects: bool = CHECK_DEFAULTS.follow_redirects
    is_paused: bool = False

    _credentials_out_of_url = model_validator(mode="before")(userinfo_into_basic_auth)

    @field_validator("timeout_seconds")
    @classmethod
    def _given_timeout_below_interval(cls, value: float, info: ValidationInfo) -> float:
        return _timeout_below_interval(value, info.data.get("interval_seconds"))

    @model_validator(mode="after")
    def _default_timeout_fits_interval(self) -> ServiceCreate:
        if "timeout_seconds" not in self.model_fields_set:
            self.timeout_seconds = min(DEFAULT_TIMEOUT_SECONDS, self.interval_seconds / 2)
        return self


class ServiceUpdate(BaseModel):
    """A partial change: only the fields sent are applied; null clears a nullable field."""

    model_config = ConfigDict(extra="forbid")

    region_code: RegionCodeIn | None = None
    name: Name | None = None
    url: ProbeUrl | None = None
    basic_auth: BasicAuth | None = Field(default=None, description=BASIC_AUTH_DOC)
    method: Method | None = None
    interval_seconds: IntervalSeconds | None = None
    timeout_seconds: TimeoutSeconds | None = None
    failure_threshold: Threshold | None = None
    success_threshold: Threshold | None = None
    degraded_latency_ms: LatencyMs | None = None
    expected_status: StatusCode | None = None
    body_contains: BodyText | None = None
    policy_markers: Markers | None = None
    cutoff_markers: Markers | None = None
    follow_redirects: bool | None = None
    is_paused: bool | None = None

    _credentials_out_of_url = model_validator(mode="before")(userinfo_into_basic_auth)

    @field_validator(
        "region_code",
        "name",
        "url",
        "method",
        "interval_seconds",
        "timeout_seconds",
        "failure_threshold",
        "success_threshold",
        "expected_status",
        "follow_redirects",
        "is_paused",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value

    @field_validator("timeout_seconds")
    @classmethod
    def _given_timeout_below_interval(
        cls, value: float | None, info: ValidationInfo
    ) -> float | None:
        # Against the stored interval too, but that check needs the row: see update_service.
        if value is None:
            return None
        return _timeout_below_interval(value, info.data.get("interval_seconds"))


class ServicePublic(BaseModel):
    """A service as anyone may read it: spec and state."""

    id: int
    key: str | None
    region_code: str = Field(examples=["73.73"])
    name: str
    url: str = Field(description="Scheme, host and path: no credentials, query or fragment")
    method: str
    interval_seconds: int
    timeout_seconds: float
    failure_threshold: int
    success_threshold: int
    degraded_latency_ms: int | None
    expected_status: int
    body_contains: str | None
    policy_markers: list[str] | None
    cutoff_markers: list[str] | None
    follow_redirects: bool
    is_paused: bool
    state: State
    reason: Reason | None
    category: Category | None
    since: datetime | None = Field(description="When the service entered its current state")
    last_checked_at: datetime | None
    next_check_at: datetime
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, service: Service) -> Self:
        reason = Reason(service.reason) if service.reason else None
        # Attribute by attribute: model_dump() of the row would warn on str-typed enum columns.
        fields = {name: getattr(service, name, None) for name in cls.model_fields}
        fields.update(
            state=State(service.state),
            reason=reason,
            category=reason.category if reason else None,
            since=service.state_changed_at,
            **cls._shown_url(service),
        )
        return cls.model_validate(fields)

    @classmethod
    def _shown_url(cls, service: Service) -> dict[str, Any]:
        return {"url": public_url(service.url)}


class ServiceOperator(ServicePublic):
    """A service as holders of `services:write` see it (and as the audit log records it):
    the URL as probed, query string included. Credentials are never shown, only whether
    there are any."""

    url: str = Field(description="As probed, query string included; credentials never")
    has_basic_auth: bool

    @classmethod
    def _shown_url(cls, service: Service) -> dict[str, Any]:
        return {
            "url": without_userinfo(service.url),
            "has_basic_auth": service.basic_auth is not None,
        }
