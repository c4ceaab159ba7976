"""`pantau` command line: serve, migrate, import regions, probe a URL once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer
import uvicorn

from app.agent.command import agent as run_vantage_agent
from app.core.domain import ProbeResult, State, Verdict
from app.http.serving import connection_limits
from app.logs import logging_config
from app.preflight import require_schema_at_head, settings_or_exit

USAGE_EXIT = 2  # as click's own usage errors and a bad configuration (app/preflight.py)
NOT_OPERATIONAL_EXIT = 1  # `pantau check`: the probe found the service not operational

cli = typer.Typer(help="Pantau — status layanan e-KTP daerah / regional e-KTP service status.")
db_cli = typer.Typer(help="Database schema.")
regions_cli = typer.Typer(help="The Kemendagri region registry.")
cli.add_typer(db_cli, name="db")
cli.add_typer(regions_cli, name="regions")


@cli.command()
def serve(
    host: str | None = typer.Option(None, help="Default: PANTAU_HOST"),
    port: int | None = typer.Option(None, help="Default: PANTAU_PORT"),
    demo: bool | None = typer.Option(
        None,
        "--demo/--no-demo",
        help="With the live demo (simulator, scenario, receiver). Default: PANTAU_DEMO",
    ),
) -> None:
    """Run the service (API and checker) under uvicorn."""
    from app.main import create_app

    settings = settings_or_exit()
    require_schema_at_head(settings)
    if settings.demo if demo is None else demo:
        from app.demo.launch import run_demo

        demo_run = run_demo(settings, host=host or settings.host, port=port or settings.port)
        raise typer.Exit(asyncio.run(demo_run))
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level,
        # One formatter (PANTAU_LOG_FORMAT) for uvicorn's access/error logs and Pantau's own.
        log_config=logging_config(settings.log_format, settings.log_level),
        # SIGTERM: open requests (SSE streams included) get the grace, then the lifespan
        # gives probes and deliveries in flight theirs.
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_seconds)),
        # Header deadline and size cap, keep-alive, and a cap on open connections.
        **connection_limits(settings),
    )


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations up to head, then load the region registry (idempotent)."""
    from app.store.migrate import upgrade

    changed = upgrade(settings_or_exit())
    typer.echo(f"database at head; {changed} region rows added or updated")


@regions_cli.command("import")
def regions_import() -> None:
    """Load the shipped region registry into the database (idempotent)."""
    from app.store.migrate import import_registry

    changed = asyncio.run(import_registry(settings_or_exit()))
    typer.echo(f"{changed} region rows added or updated")


services_cli = typer.Typer(help="Monitored services.")
cli.add_typer(services_cli, name="services")


@services_cli.command("sync")
def services_sync(
    file: Path = typer.Argument(..., help="YAML file with a `services` list, each with a key"),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print what would be created, changed and deleted; write nothing"
    ),
    allow_mass_delete: bool = typer.Option(
        False, "--allow-mass-delete", help="Allow removing more than half of the keyed services"
    ),
) -> None:
    """Create, update and remove keyed services to match FILE, in one transaction.

    One line per service created, updated (and the fields that change) or
    deleted, then the counts.

    Exit status:
    0  done (--dry-run: the plan printed, nothing written)
    1  the file is invalid: each error named, nothing written
    2  usage error or bad PANTAU_* setting; or the file removes more than
       half of the keyed services without --allow-mass-delete: nothing written
    """
    from app.store.db import Database
    from app.usecases.services_file import SyncReport, sync_services_file

    settings = settings_or_exit()

    async def run() -> SyncReport:
        database = Database(settings)
        try:
            return await sync_services_file(
                database, file, dry_run=dry_run, allow_mass_delete=allow_mass_delete
            )
        finally:
            await database.dispose()

    report = asyncio.run(run())
    if report.errors:
        for error in report.errors:
            typer.echo(str(error), err=True)
        typer.echo("nothing written", err=True)
        raise typer.Exit(1)
    if report.refused is None or dry_run:
        for change in report.changes:
            typer.echo(str(change))
    if report.refused is not None:
        typer.echo(f"pantau: {report.refused}", err=True)
        raise typer.Exit(USAGE_EXIT)
    typer.echo(str(report))


def _probe_url(value: str) -> str:
    from app.core.probe_urls import check_probe_url

    try:
        return check_probe_url(value)
    except ValueError as exc:
        raise typer.BadParameter(
            "expected an absolute http:// or https:// URL such as "
            f"http://127.0.0.1:9100/r/73.73, got {value!r} ({exc})"
        ) from None


@cli.command()
def check(
    url: str = typer.Argument(
        ..., help="The endpoint to probe once: http:// or https://", callback=_probe_url
    ),
    timeout: float = typer.Option(10.0, min=0.1, help="Overall deadline, seconds"),
    expected_status: int = typer.Option(200, min=100, max=599),
    body_contains: str | None = typer.Option(None, help="Text the body must contain"),
    degraded_latency_ms: int | None = typer.Option(2000, min=1),
) -> None:
    """Probe URL once and print what Pantau would record, with its evidence.

    Exit status:
    0  the service is operational
    1  the probe found it not operational (outage, maintenance, degraded)
    2  usage error (a URL without http:// or https://, a bad option): no probe
    """
    from app.checks.probe import ProbeSpec, make_probe_client, probe
    from app.core.classify import CheckRules, classify
    from app.core.disclosure import split_userinfo

    # As the checker does: credentials in the URL go in the Authorization header.
    probed, basic_auth = split_userinfo(url)
    spec = ProbeSpec(probed, timeout_seconds=timeout, basic_auth=basic_auth)

    async def run() -> tuple[ProbeResult, Verdict]:
        async with make_probe_client(1) as client:
            result = await probe(client, spec)
        rules = CheckRules(expected_status, body_contains, degraded_latency_ms)
        return result, classify(result, rules)

    result, verdict = asyncio.run(run())
    reason = verdict.reason
    state = reason.state or "unchanged (the monitor itself is impaired)"
    typer.echo(f"{reason}  {reason.label_id} / {reason.label_en}  -> {state}")
    typer.echo(f"status {result.status_code}  latency {result.latency_ms:.1f} ms")
    typer.echo(json.dumps(verdict.evidence, ensure_ascii=False, indent=2))
    if reason.state != State.OPERATIONAL:
        raise typer.Exit(NOT_OPERATIONAL_EXIT)


# The vantage agent an office runs (app/agent): its own options, none of the server's settings.
cli.command("agent")(run_vantage_agent)


def main() -> None:
    cli()
