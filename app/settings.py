"""Configuration from `PANTAU_*` environment variables; built once per process, never at import."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from email.headerregistry import Address
from functools import cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.email_address import parse_sender
from app.core.letters import DEFAULT_MAX_BYTES as DEFAULT_LETTER_MAX_BYTES
from app.core.smtp_url import SmtpTarget, parse_smtp_url
from app.core.waves import WaveRules

CommaList = Annotated[list[str], NoDecode]

# Seconds before attempts 2..8 of a webhook delivery (the well-known provider schedule).
DEFAULT_RETRY_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18_000.0, 36_000.0, 36_000.0)
_DURATION_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86_400.0}
# Seconds before attempts 2..7 of a mail: about a day in all.
DEFAULT_MAIL_RETRY_SCHEDULE = (60.0, 300.0, 1800.0, 7200.0, 21_600.0, 43_200.0)
DATABASE_URL_FORMS = "sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER:PASSWORD@HOST/NAME"


def parse_duration(value: object) -> float:
    """`"5s"`, `"5m"`, `"2h"`, `"1d"` or a number of seconds → seconds (≥ 0)."""
    text = str(value).strip().lower()
    unit = _DURATION_UNITS.get(text[-1:])
    expected = f"expected a duration such as 90s, 5m, 2h, 1d or seconds: {value!r}"
    try:
        number = float(text[:-1] if unit else text) * (unit or 1.0)
    except ValueError:
        raise ValueError(expected) from None
    if not 0 <= number < float("inf"):
        raise ValueError(expected)
    return number


def check_database_url(value: str) -> str:
    """What the engine would refuse at start (unparsable, a sync driver, a driver not
    installed), refused here, where the error can name PANTAU_DATABASE_URL."""
    # Imported here, not at the top: `pantau agent` imports this module but never reads a
    # database URL, and starts faster without SQLAlchemy.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, InvalidRequestError
    from sqlalchemy.ext.asyncio import create_async_engine

    try:
        url = make_url(value)
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("Pantau runs on SQLite or PostgreSQL")
        create_async_engine(url).sync_engine.dispose()  # builds no connection
    except ImportError as exc:
        reason = f"its driver is not installed ({exc})"
        raise ValueError(f"{reason}; expected {DATABASE_URL_FORMS}") from None
    except (ArgumentError, InvalidRequestError, ValueError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0].rstrip(".")
        raise ValueError(f"{reason}; expected {DATABASE_URL_FORMS}") from None
    return value


def parse_public_url(value: str) -> str:
    """An absolute http(s) origin, optionally with a path prefix; no trailing slash."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"must be an absolute http(s) URL such as https://pantau.example.go.id: {value!r}"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"must not carry a query, fragment or credentials: {value!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def _comma_parts(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PANTAU_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./pantau.db"
    # How long a SQLite write waits for another writer's lock before it fails (and is retried).
    sqlite_busy_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    admin_token: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # `json`: one JSON object per line (time, level, logger, message, request_id); `text`: plain.
    log_format: Literal["json", "text"] = "text"
    # Larger request bodies are refused with 413, whether declared or streamed without a length.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Slow clients: a request's headers must arrive within `header_timeout_seconds` and its
    # whole body within `body_timeout_seconds` (else 408 and the connection is closed); past
    # `max_connections` open connections, new requests are answered 503.
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    body_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    max_connections: int = Field(default=1000, ge=1, le=100_000)
    # The origin every absolute link starts with (Atom ids, redirects, mail), e.g.
    # `https://pantau.example.go.id`; never taken from a request's Host header.
    public_url: str | None = None
    # `pantau serve` with the live demo (app/demo); `make run` turns it on unless set false.
    demo: bool = False
    # Fill the status page's kept bars in the background at start-up and after each Jakarta
    # midnight (app/web/bars_warmer.py), rather than in the first visitor's render.
    warm_status_page: bool = True

    run_checker: bool = True
    checker_tick_seconds: float = Field(default=0.25, gt=0)
    checker_concurrency: int = Field(default=100, ge=1, le=2000)
    checker_lease_seconds: float = Field(default=10.0, gt=0)
    probe_retention_hours: int = Field(default=24, ge=1)
    services_file: str | None = None
    control_urls: CommaList = []
    # Origins allowed to read the API from a browser (CORS), comma-separated; "*" = any.
    cors_origins: CommaList = ["*"]
    # A region counts as failing while its latest probe, this recent, failed.
    wave_window_seconds: float = Field(default=120.0, gt=0)
    # Waves (app/core/waves.py): when one failure signature across regions is one cause.
    wave_national_share: float = Field(default=0.3, gt=0, le=1)
    wave_national_min_regions: int = Field(default=5, ge=3)
    wave_national_min_groups: int = Field(default=3, ge=2, le=7)
    wave_group_share: float = Field(default=0.5, gt=0, le=1)
    wave_group_min_regions: int = Field(default=3, ge=3)
    wave_outside_share: float = Field(default=0.25, ge=0, lt=1)
    wave_update_fraction: float = Field(default=0.2, ge=0, le=1)
    wave_update_debounce_seconds: float = Field(default=60.0, ge=0)

    # Webhooks (app/notify). Durations accept "5s", "5m", "2h", "1d" or plain seconds.
    run_dispatcher: bool = True
    dispatcher_tick_seconds: float = Field(default=0.5, gt=0)
    dispatcher_concurrency: int = Field(default=50, ge=1, le=1000)
    webhook_allowed_networks: CommaList = []
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_lease_seconds: float = Field(default=60.0, gt=0)
    webhook_retry_schedule: Annotated[list[float], NoDecode] = list(DEFAULT_RETRY_SCHEDULE)
    webhook_retry_jitter: float = Field(default=0.2, ge=0, lt=1)
    webhook_disable_after_seconds: float = Field(default=5 * 86_400.0, gt=0)
    webhook_secret_grace_seconds: float = Field(default=86_400.0, ge=0)
    # Vantage agents (app/agent, app/core/vantage.py). An agent silent this long is `stale`
    # and has no say; a failing verdict moves a region only when `vantage_quorum` of its
    # vantage points (the central prober and its live agents) see it failing.
    agent_stale_after: float = Field(default=180.0, gt=0)
    vantage_quorum: int = Field(default=1, ge=1, le=20)
    # Citizens' mail (app/notify/mailer.py): subscriptions by email, sent through this SMTP
    # server (app/core/smtp_url.py); unset, POST /api/v1/subscribers answers 503.
    mail_from: str | None = None
    smtp_url: str | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    mail_tick_seconds: float = Field(default=1.0, gt=0)
    mail_concurrency: int = Field(default=4, ge=1, le=100)
    mail_lease_seconds: float = Field(default=120.0, gt=0)
    mail_retry_schedule: Annotated[list[float], NoDecode] = list(DEFAULT_MAIL_RETRY_SCHEDULE)
    # Subscription requests accepted per address per day and per client (IP, IPv6 /64) per
    # hour; one more is answered 429 with Retry-After.
    subscribe_address_per_day: int = Field(default=3, ge=1, le=1000)
    subscribe_client_per_hour: int = Field(default=20, ge=1, le=100_000)
    # Declarations' letters (app/core/letters.py): the largest file accepted (refused with 413
    # while it streams in), and where their bytes are kept: unset, in the database (the
    # `letter` table); a directory, as files named by their SHA-256 there.
    letter_max_bytes: int = Field(default=DEFAULT_LETTER_MAX_BYTES, ge=1024, le=512 * 1024 * 1024)
    letter_dir: str | None = None
    # The operators' console (/console): a session ends after this long without a request,
    # and this long after sign-in in any case; failed sign-ins per client per 15 minutes
    # before the sign-in form answers 429.
    console_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    console_max_hours: int = Field(default=12, ge=1, le=24 * 30)
    console_sign_in_failures: int = Field(default=10, ge=1, le=10_000)
    # On SIGTERM: how long probes and webhook deliveries in flight get to finish and be
    # recorded (open HTTP requests get as long before that); then the process exits.
    shutdown_grace_seconds: float = Field(default=10.0, gt=0, le=300)

    @field_validator("control_urls", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        parts = _comma_parts(value)
        for part in parts if isinstance(parts, list) else []:
            ipaddress.ip_network(str(part), strict=False)  # a ValueError names the entry
        return parts

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("agent_stale_after", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value)

    @field_validator("webhook_retry_schedule", "mail_retry_schedule", mode="before")
    @classmethod
    def _durations(cls, value: object) -> object:
        parts = _comma_parts(value)
        return [parse_duration(part) for part in parts] if isinstance(parts, list) else parts

    @field_validator("public_url", mode="before")
    @classmethod
    def _public_url(cls, value: object) -> object:
        return None if value is None or value == "" else parse_public_url(str(value))

    @field_validator("mail_from", mode="before")
    @classmethod
    def _mail_from(cls, value: object) -> object:
        return None if value is None or value == "" else str(parse_sender(str(value)))

    @field_validator("smtp_url", mode="before")
    @classmethod
    def _smtp_url(cls, value: object, info: ValidationInfo) -> object:
        if value is None or value == "":
            return None
        parse_smtp_url(str(value))
        if not info.data.get("mail_from"):
            raise ValueError("needs PANTAU_MAIL_FROM, the sender (Pantau <pantau@example.go.id>)")
        return str(value).strip()

    @property
    def smtp_target(self) -> SmtpTarget | None:
        return parse_smtp_url(self.smtp_url) if self.smtp_url else None

    @property
    def mail_sender(self) -> Address:
        return parse_sender(self.mail_from or "Pantau <pantau@localhost.localdomain>")

    @property
    def public_base_url(self) -> str:
        """PANTAU_PUBLIC_URL, else the configured listening address; no trailing slash."""
        if self.public_url:
            return self.public_url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def wave_rules(self) -> WaveRules:
        return WaveRules(
            national_share=self.wave_national_share,
            national_min_regions=self.wave_national_min_regions,
            national_min_groups=self.wave_national_min_groups,
            group_share=self.wave_group_share,
            group_min_regions=self.wave_group_min_regions,
            outside_share=self.wave_outside_share,
            update_fraction=self.wave_update_fraction,
            update_debounce_seconds=self.wave_update_debounce_seconds,
        )


@cache
def get_settings() -> Settings:
    return Settings()


def known_variables(agent_variables: Collection[str]) -> frozenset[str]:
    """Every `PANTAU_*` variable some command reads: the server's settings and the agent's.
    Both commands warn alike, so a variable meant for the other one is never called a typo."""
    server = {"PANTAU_" + name.upper() for name in Settings.model_fields}
    return frozenset(server | set(agent_variables))
