"""`pantau` command line: serve, migrate, import regions, probe a URL once."""

from __future__ import annotations

import asyncio

import typer
import uvicorn

from app.settings import get_settings

cli = typer.Typer(help="Pantau — status layanan e-KTP daerah / regional e-KTP service status.")
db_cli = typer.Typer(help="Database schema.")
regions_cli = typer.Typer(help="The Kemendagri region registry.")
cli.add_typer(db_cli, name="db")
cli.add_typer(regions_cli, name="regions")


@cli.command()
def serve(
    host: str | None = typer.Option(None, help="Default: PANTAU_HOST"),
    port: int | None = typer.Option(None, help="Default: PANTAU_PORT"),
) -> None:
    """Run the service (API and checker) under uvicorn."""
    from app.main import create_app

    settings = get_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level,
    )


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations up to head, then load the region registry (idempotent)."""
    from app.migrate import upgrade

    changed = upgrade(get_settings())
    typer.echo(f"database at head; {changed} region rows added or updated")


@regions_cli.command("import")
def regions_import() -> None:
    """Load the shipped region registry into the database (idempotent)."""
    from app.migrate import import_registry

    changed = asyncio.run(import_registry(get_settings()))
    typer.echo(f"{changed} region rows added or updated")


def main() -> None:
    cli()
