"""The agent's configuration: flags over `PANTAU_AGENT_*` environment variables over a TOML
file. Pure: the caller reads the file and the environment."""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from app.config_errors import expectation, problem
from app.core.agent_protocol import MAX_RESULTS_PER_BATCH, Name
from app.core.vantage import Role

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
ENV_VARIABLES = tuple(f"{ENV_PREFIX}{name.upper()}" for name in _ENV_SCALARS) + tuple(
    f"{ENV_PREFIX}{role.upper()}_URLS" for role in Role
)
# Where each required setting can be given: flag, variable, in the file.
_REQUIRED_FROM = {
    "server_url": ("--server", f"{ENV_PREFIX}SERVER_URL", "`server_url`"),
    "id": ("--agent-id", f"{ENV_PREFIX}ID", "`id`"),
    "token": ("--token-file", f"{ENV_PREFIX}TOKEN_FILE", "`token_file`"),
    "targets": ("--central/--office/--public", f"{ENV_PREFIX}<ROLE>_URLS", "[[targets]]"),
}


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
    """Names every setting at fault, with its value and where to set it: a value read from
    the environment under its variable's name, where the operator will look for it."""

    @classmethod
    def of(
        cls, exc: ValidationError, merged: Mapping[str, Any], *, env_keys: Collection[str] = ()
    ) -> ConfigError:
        errors = exc.errors(include_url=False)
        locs = [error["loc"] for error in errors]
        problems = [
            _problem(error, merged, env_keys)
            for error in errors
            if not _said_more_precisely(error["loc"], locs)
        ]
        return cls("invalid agent configuration: " + "; ".join(problems))


def _said_more_precisely(
    loc: tuple[int | str, ...], locs: Collection[tuple[int | str, ...]]
) -> bool:
    """An error that another error inside it explains ("no targets left" after a bad target)."""
    return any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)


class EnvLayer(dict[str, Any]):
    """The settings read from `PANTAU_AGENT_*` variables (see ConfigError)."""


def _problem(error: ErrorDetails, merged: Mapping[str, Any], env_keys: Collection[str]) -> str:
    loc = error["loc"]
    if not loc:  # about the whole configuration, whose input holds the token: no value shown
        return f"config: {expectation(error['msg'])}"
    key = str(loc[0])
    if error["type"] == "missing":
        flag, variable, in_file = _REQUIRED_FROM.get(key, (f"--{key}", "", f"`{key}`"))
        return f"{key}: missing (set {flag}, {variable} or {in_file} in the file)"
    from_variable = key in env_keys and (key != "targets" or len(loc) > 1)
    name = _env_name(loc, merged) if from_variable else ".".join(str(part) for part in loc)
    return problem(name, error["input"], error["msg"])


def _env_name(loc: tuple[int | str, ...], merged: Mapping[str, Any]) -> str:
    if loc[0] == "targets" and len(loc) > 1 and isinstance(loc[1], int):
        # Targets from the environment come from one PANTAU_AGENT_<ROLE>_URLS per role.
        return f"{ENV_PREFIX}{str(merged['targets'][loc[1]]['role']).upper()}_URLS"
    return f"{ENV_PREFIX}{str(loc[0]).upper()}"


def targets_from_urls(urls_by_role: Mapping[Role, Sequence[str]]) -> list[dict[str, str]]:
    """`--central URL --public URL …` → targets named `central-1`, `public-1`, …"""
    return [
        {"role": str(role), "name": f"{role}-{number}", "url": url}
        for role in Role
        for number, url in enumerate(urls_by_role.get(role, ()), start=1)
    ]


def from_env(env: Mapping[str, str]) -> EnvLayer:
    values = EnvLayer(
        {
            name: env[f"{ENV_PREFIX}{name.upper()}"]
            for name in _ENV_SCALARS
            if env.get(f"{ENV_PREFIX}{name.upper()}")
        }
    )
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
    env_keys: set[str] = set()  # the settings whose value a PANTAU_AGENT_* variable gave
    for layer in layers:
        given = {key: value for key, value in layer.items() if value not in (None, [], ())}
        merged |= given
        env_keys -= given.keys()
        if isinstance(layer, EnvLayer):
            env_keys |= given.keys()
    token_file = merged.pop("token_file", None)
    if token_file and not merged.get("token"):
        merged["token"] = read_token(Path(token_file))
    try:
        return AgentConfig.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError.of(exc, merged, env_keys=env_keys) from None


def read_token(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(f"token_file: cannot read {path}: {exc.strerror}") from exc
