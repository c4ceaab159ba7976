"""What the server's commands check before their work, each failure one line on stderr and a
documented exit status instead of a traceback: the settings (2) and, for `serve`, the schema (3).
Unknown `PANTAU_*` variables only get a warning."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError

from app.agent.config import ENV_VARIABLES as AGENT_VARIABLES
from app.config_errors import (
    BAD_CONFIGURATION_EXIT,
    BadConfiguration,
    describe_settings_error,
    unknown_variable_warnings,
)
from app.settings import Settings, get_settings, known_variables

SCHEMA_BEHIND_EXIT = 3
# Long enough for a slow PostgreSQL connect, short enough that `serve` never seems to hang.
SCHEMA_CHECK_SECONDS = 10.0


def warn_about_unknown_variables(env: Mapping[str, str]) -> None:
    for warning in unknown_variable_warnings(env, known_variables(AGENT_VARIABLES)):
        typer.echo(f"pantau: {warning}", err=True)


def load_settings(env: Mapping[str, str]) -> Settings:
    """The process's settings; a mistake raises BadConfiguration naming the variable."""
    try:
        return get_settings()
    except ValidationError as exc:
        raise BadConfiguration(describe_settings_error(exc, env)) from None
    except SettingsError as exc:  # a value the source could not decode at all
        raise BadConfiguration("bad configuration: " + " ".join(str(exc).split())) from None


def settings_or_exit() -> Settings:
    """The settings of a server command, or one line on stderr and exit status 2."""
    warn_about_unknown_variables(os.environ)
    try:
        return load_settings(os.environ)
    except BadConfiguration as exc:
        typer.echo(f"pantau: {exc}", err=True)
        raise typer.Exit(BAD_CONFIGURATION_EXIT) from None


def require_schema_at_head(settings: Settings) -> None:
    """Serving a database `pantau db upgrade` has not brought to head would answer every
    request 503 and log a traceback a tick: one line on stderr and exit status 3 instead. A
    database out of reach is left to /readyz, as the service rides out database outages."""
    from app.store.migrate import SCHEMA_BEHIND  # Alembic and SQLAlchemy: only for `serve`

    try:
        is_current = asyncio.run(_schema_is_current(settings))
    except Exception as exc:  # unreachable, refused, timed out: not this check's verdict
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        typer.echo(f"pantau: warning: cannot read the schema version yet ({reason})", err=True)
        return
    if not is_current:
        typer.echo(f"pantau: {SCHEMA_BEHIND}", err=True)
        raise typer.Exit(SCHEMA_BEHIND_EXIT)


async def _schema_is_current(settings: Settings) -> bool:
    from app.store.db import Database
    from app.store.migrate import schema_is_current

    if _is_missing_sqlite_file(settings):
        return False  # and connecting would leave an empty file behind
    database = Database(settings)
    try:
        async with asyncio.timeout(SCHEMA_CHECK_SECONDS):
            return await schema_is_current(database)
    finally:
        await database.dispose()


def _is_missing_sqlite_file(settings: Settings) -> bool:
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    path = url.database
    if not settings.is_sqlite or not path or path == ":memory:" or "uri" in url.query:
        return False
    return not Path(path).exists()
