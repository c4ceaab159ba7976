"""The agent's configuration: flags over `PANTAU_AGENT_*` environment variables over a TOML
file. Pure: the caller reads the file and the environment."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from app.agent.protocol import MAX_RESULTS_PER_BATCH, Name
from app.checks.vantage import Role

ENV_PREFIX = "PANTAU_AGENT_"
# Settings read from the environment as PANTAU_AGENT_<NAME>.
_ENV_SCALARS = (
    "server_url",
    "id",
    "token",
    "token_file",
    "state_dir",
    "interval_seconds",
    "timeout_seconds",
    "batch_size",
    "max_backoff_seconds",
)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    name: Name
    url: HttpUrl  # probed, never sent to the server


class AgentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    server_url: HttpUrl
    id: int = Field(ge=1, le=2**31 - 1)
    token: str = Field(min_length=1, repr=False)
    targets: tuple[Target, ...] = Field(min_length=1)
    state_dir: Path = Path("pantau-agent")
    interval_seconds: float = Field(default=30.0, gt=0, le=3600)
    timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    batch_size: int = Field(default=200, ge=1, le=MAX_RESULTS_PER_BATCH)
    max_backoff_seconds: float = Field(default=60.0, gt=0, le=3600)


class ConfigError(ValueError):
    """Names every setting at fault, with where to set it."""

    @classmethod
    def of(cls, exc: ValidationError) -> ConfigError:
        problems = [
            f"{'.'.join(str(part) for part in error['loc']) or 'config'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        ]
        return cls("invalid agent configuration: " + "; ".join(problems))


def targets_from_urls(urls_by_role: Mapping[Role, Sequence[str]]) -> list[dict[str, str]]:
    """`--central URL --public URL …` → targets named `central-1`, `public-1`, …"""
    return [
        {"role": str(role), "name": f"{role}-{number}", "url": url}
        for role in Role
        for number, url in enumerate(urls_by_role.get(role, ()), start=1)
    ]


def from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: env[f"{ENV_PREFIX}{name.upper()}"]
        for name in _ENV_SCALARS
        if env.get(f"{ENV_PREFIX}{name.upper()}")
    }
    urls = {
        role: [u.strip() for u in env.get(f"{ENV_PREFIX}{role.upper()}_URLS", "").split(",")]
        for role in Role
    }
    targets = targets_from_urls({role: [u for u in found if u] for role, found in urls.items()})
    if targets:
        values["targets"] = targets
    return values


def parse_file(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"agent configuration file is not valid TOML: {exc}") from exc


def build_config(*layers: Mapping[str, Any]) -> AgentConfig:
    """Layers from lowest to highest precedence (file, environment, flags); a layer's
    `targets` replace the lower ones' whole; `token_file` stands for `token`."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged |= {key: value for key, value in layer.items() if value not in (None, [], ())}
    token_file = merged.pop("token_file", None)
    if token_file and not merged.get("token"):
        merged["token"] = read_token(Path(token_file))
    try:
        return AgentConfig.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError.of(exc) from exc


def read_token(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(f"token_file: cannot read {path}: {exc.strerror}") from exc
