"""`pantau agent`: read the configuration, then run until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

import typer

from app.agent.config import (
    ENV_VARIABLES,
    AgentConfig,
    ConfigError,
    build_config,
    from_env,
    parse_file,
    targets_from_urls,
)
from app.agent.run import run_agent
from app.config_errors import BAD_CONFIGURATION_EXIT, unknown_variable_warnings
from app.core.vantage import Role
from app.settings import known_variables


def agent(
    config_file: Path | None = typer.Option(
        None, "--config", help="TOML file; flags and PANTAU_AGENT_* override it"
    ),
    server_url: str | None = typer.Option(None, "--server", help="Pantau's base URL"),
    agent_id: int | None = typer.Option(None, "--agent-id", help="From POST /api/v1/agents"),
    token: str | None = typer.Option(None, help="The agent's token (prefer --token-file)"),
    token_file: Path | None = typer.Option(None, help="File holding the agent's token"),
    state_dir: Path | None = typer.Option(None, help="Where results wait to be sent"),
    interval: float | None = typer.Option(None, help="Seconds between probe rounds"),
    timeout: float | None = typer.Option(None, help="Deadline of one probe, seconds"),
    max_backoff: float | None = typer.Option(None, help="Longest wait between push retries"),
    central: list[str] = typer.Option([], help="Central-system URL over the VPN (repeatable)"),
    office: list[str] = typer.Option([], help="The office's own service URL (repeatable)"),
    public: list[str] = typer.Option([], help="Public reference URL (repeatable)"),
    log_level: str = typer.Option("info", help="debug, info, warning, error"),
) -> None:
    """Run a vantage agent inside an office network: probe, buffer, push."""
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    flags = {
        "server_url": server_url,
        "id": agent_id,
        "token": token,
        "token_file": str(token_file) if token_file else None,
        "state_dir": str(state_dir) if state_dir else None,
        "interval_seconds": interval,
        "timeout_seconds": timeout,
        "max_backoff_seconds": max_backoff,
        "targets": targets_from_urls(
            {Role.CENTRAL: central, Role.OFFICE: office, Role.PUBLIC: public}
        ),
    }
    for warning in unknown_variable_warnings(os.environ, known_variables(ENV_VARIABLES)):
        typer.echo(f"pantau agent: {warning}", err=True)
    try:
        file_layer = parse_file(config_file.read_text()) if config_file else {}
        config = build_config(file_layer, from_env(os.environ), flags)
    except (ConfigError, OSError) as exc:
        typer.echo(f"pantau agent: {exc}", err=True)
        raise typer.Exit(BAD_CONFIGURATION_EXIT) from None
    asyncio.run(_run_until_signalled(config))


async def _run_until_signalled(config: AgentConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await run_agent(config, stop)
