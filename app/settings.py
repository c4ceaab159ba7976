"""Configuration from `PANTAU_*` environment variables; built once per process, never at import."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PANTAU_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./pantau.db"
    admin_token: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    run_checker: bool = True
    checker_tick_seconds: float = Field(default=1.0, gt=0)
    checker_concurrency: int = Field(default=100, ge=1, le=2000)
    checker_lease_seconds: float = Field(default=120.0, gt=0)
    probe_retention_hours: int = Field(default=24, ge=1)
    services_file: str | None = None
    control_urls: CommaList = []
    central_share: float = Field(default=0.3, gt=0, le=1)
    central_window_seconds: float = Field(default=120.0, gt=0)
    central_min_regions: int = Field(default=5, ge=2)

    @field_validator("control_urls", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@cache
def get_settings() -> Settings:
    return Settings()
