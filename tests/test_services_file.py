from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

import app.cli
import app.main
from app.core.domain import Reason, State
from app.settings import Settings
from app.store import services as store
from app.store.audit import AuditEntry
from app.store.db import Database
from app.store.models import Incident, Service
from app.store.service_models import ServiceCreate
from app.usecases.services_file import (
    EntryError,
    ServicesFileError,
    SyncReport,
    parse_services,
    sync_services_file,
)
from tests.factories import probe
from tests.support.snapshots import table_rows

SERVICES = """
services:
  - key: palopo-siak          # stable identity for sync
    region_code: "73.73"
    name: SIAK Gateway Palopo
    url: https://siak.palopokota.go.id/health
    interval_seconds: 60
  - key: kendari-adminduk
    region_code: "7471"
    name: Adminduk Kendari
    url: https://adminduk.kendarikota.go.id/
    method: HEAD
    policy_markers: [dicabut, diblokir]
"""


def counts(report: SyncReport) -> tuple[int, int, int]:
    assert report.ok, report.errors
    return report.created, report.updated, report.removed


async def all_services(database: Database) -> dict[str, Service]:
    async with database.read() as session:
        rows = (await session.exec(select(Service).order_by(col(Service.id)))).all()
    return {row.key if row.key else f"id:{row.id}": row for row in rows}


def rewrite(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def services_file(tmp_path: Path) -> Path:
    path = tmp_path / "services.yaml"
    path.write_text(SERVICES, encoding="utf-8")
    return path


async def test_sync_creates_then_is_idempotent(database: Database, services_file: Path) -> None:
    assert counts(await sync_services_file(database, services_file)) == (2, 0, 0)
    services = await all_services(database)
    assert set(services) == {"palopo-siak", "kendari-adminduk"}
    kendari = services["kendari-adminduk"]
    assert (kendari.region_code, kendari.method, kendari.policy_markers) == (
        "74.71",
        "HEAD",
        ["dicabut", "diblokir"],
    )
    assert kendari.state == State.UNKNOWN and kendari.timeout_seconds == 10.0

    assert counts(await sync_services_file(database, services_file)) == (0, 0, 0)
    assert {k: s.updated_at for k, s in (await all_services(database)).items()} == {
        k: s.updated_at for k, s in services.items()
    }


async def test_sync_updates_changed_entries_and_keeps_their_state(
    database: Database, services_file: Path
) -> None:
    await sync_services_file(database, services_file)
    async with database.transaction() as session:
        palopo = (await store.keyed_services(session))["palopo-siak"]
        palopo.state, palopo.consecutive_failures = State.OUTAGE, 2
        session.add(palopo)

    rewrite(
        services_file,
        SERVICES.replace("interval_seconds: 60", "interval_seconds: 30")
        # Dropping a field returns it to its default.
        .replace("    policy_markers: [dicabut, diblokir]\n", ""),
    )
    assert counts(await sync_services_file(database, services_file)) == (0, 2, 0)
    services = await all_services(database)
    palopo = services["palopo-siak"]
    assert (palopo.interval_seconds, palopo.state, palopo.consecutive_failures) == (
        30,
        State.OUTAGE,
        2,
    )
    assert services["kendari-adminduk"].policy_markers is None


async def test_sync_removes_keyed_services_but_never_api_made_ones(
    database: Database, services_file: Path
) -> None:
    async with database.transaction() as session:
        spec = ServiceCreate(region_code="73.17", name="Luwu", url="https://luwu.go.id/")
        api_made = await store.create_service(session, spec=spec)
    await sync_services_file(database, services_file)

    rewrite(services_file, SERVICES.split("  - key: kendari-adminduk")[0])
    assert counts(await sync_services_file(database, services_file)) == (0, 0, 1)
    assert set(await all_services(database)) == {f"id:{api_made.id}", "palopo-siak"}

    # Removing the last keyed service is a mass delete: it takes the flag.
    rewrite(services_file, "services: []\n")
    emptied = await sync_services_file(database, services_file, allow_mass_delete=True)
    assert counts(emptied) == (0, 0, 1)
    assert set(await all_services(database)) == {f"id:{api_made.id}"}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            SERVICES.replace("interval_seconds: 60", "interval_seconds: 0"),
            EntryError(0, "interval_seconds", "Input should be greater than or equal to 1"),
        ),
        (
            SERVICES.replace("method: HEAD", "method: HEAD\n    colour: red"),
            EntryError(1, "colour", "Extra inputs are not permitted"),
        ),
        (
            SERVICES.replace("[dicabut, diblokir]", "[dicabut, '']"),
            EntryError(1, "policy_markers.1", "Value error, must not be empty or only whitespace"),
        ),
        (
            SERVICES.replace('"7471"', '"99.99"'),
            EntryError(1, "region_code", "region '99.99' does not exist"),
        ),
        (
            SERVICES.replace('"7471"', "74.10"),
            EntryError(
                1,
                "region_code",
                'Value error, region code must be a string such as "73.73" (quote it in YAML)',
            ),
        ),
        (
            SERVICES.replace("key: kendari-adminduk", "key: palopo-siak"),
            EntryError(1, "key", "duplicate key 'palopo-siak'"),
        ),
        (
            SERVICES.replace("  - key: kendari-adminduk\n    region_code", "  - region_code"),
            EntryError(1, "key", "required in a services file"),
        ),
        (
            SERVICES + "  - just a string\n",
            EntryError(2, None, "expected a mapping of service fields"),
        ),
        ("", EntryError(None, None, "expected a mapping with one key, `services`")),
        (
            "services: {palopo: 1}\n",
            EntryError(None, "services", "expected a list of services"),
        ),
    ],
)
async def test_an_invalid_entry_writes_nothing(
    database: Database, services_file: Path, text: str, error: EntryError
) -> None:
    rewrite(services_file, text)
    report = await sync_services_file(database, services_file)
    assert report.errors == [error]
    assert (report.created, report.updated, report.removed) == (0, 0, 0)
    assert await all_services(database) == {}


async def test_an_invalid_file_leaves_the_previous_sync_in_place(
    database: Database, services_file: Path
) -> None:
    await sync_services_file(database, services_file)
    before = await all_services(database)
    rewrite(services_file, "services: [\n")
    report = await sync_services_file(database, services_file)
    assert not report.ok and report.errors[0].message.startswith("not valid YAML")
    missing = await sync_services_file(database, services_file.with_name("absent.yaml"))
    assert not missing.ok and "cannot read" in str(missing)
    assert {k: s.updated_at for k, s in (await all_services(database)).items()} == {
        k: s.updated_at for k, s in before.items()
    }


def test_every_error_in_the_file_is_reported_at_once() -> None:
    text = SERVICES.replace("interval_seconds: 60", "interval_seconds: 0\n    colour: red")
    _, errors = parse_services(text.replace("method: HEAD", "method: PUT"))
    assert [(e.index, e.field) for e in errors] == [
        (0, "interval_seconds"),
        (0, "colour"),
        (1, "method"),
    ]
    assert str(errors[2]).startswith("services[1].method: ")


def test_cli_sync(settings: Settings, services_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.cli, "settings_or_exit", lambda: settings)
    runner = CliRunner()

    result = runner.invoke(app.cli.cli, ["services", "sync", str(services_file)])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 removed" in result.output

    rewrite(services_file, SERVICES.replace('"7471"', '"99.99"'))
    result = runner.invoke(app.cli.cli, ["services", "sync", str(services_file)])
    assert result.exit_code == 1
    assert "services[1].region_code: region '99.99' does not exist" in result.output

    async def keys() -> set[str]:
        database = Database(settings)
        try:
            return set(await all_services(database))
        finally:
            await database.dispose()

    assert asyncio.run(keys()) == {"palopo-siak", "kendari-adminduk"}


async def test_a_sync_racing_another_replica_retries_and_changes_nothing(
    database: Database, services_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sync_services_file(database, services_file)
    real = store.keyed_services
    calls = 0

    async def stale_then_real(session: AsyncSession) -> dict[str, Service]:
        # The first read misses the rows another replica is committing at the same moment.
        nonlocal calls
        calls += 1
        return {} if calls == 1 else await real(session)

    monkeypatch.setattr(store, "keyed_services", stale_then_real)
    assert counts(await sync_services_file(database, services_file)) == (0, 0, 0)
    assert calls == 2 and len(await all_services(database)) == 2


async def test_raise_for_errors_is_for_start_up(database: Database, services_file: Path) -> None:
    report = await sync_services_file(database, services_file)
    assert report.raise_for_errors() is report
    rewrite(services_file, "services: 3\n")
    with pytest.raises(ServicesFileError, match="nothing written"):
        (await sync_services_file(database, services_file)).raise_for_errors()


async def test_every_sync_change_is_audited_as_the_services_file(
    database: Database, services_file: Path
) -> None:
    await sync_services_file(database, services_file)
    rewrite(
        services_file,
        SERVICES.split("  - key: kendari-adminduk")[0].replace(
            "interval_seconds: 60", "interval_seconds: 30"
        ),
    )
    await sync_services_file(database, services_file)
    async with database.read() as session:
        entries = (await session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))).all()
    assert [(e.actor, e.action) for e in entries] == [
        ("services-file", "service.create"),
        ("services-file", "service.create"),
        ("services-file", "service.delete"),
        ("services-file", "service.update"),
    ]
    update = entries[-1]
    assert update.before and update.after
    assert (update.before["interval_seconds"], update.after["interval_seconds"]) == (60, 30)


async def test_a_failing_service_the_file_pauses_or_drops_ends_its_incident(
    database: Database, services_file: Path
) -> None:
    one_probe_fails = SERVICES.replace("    method: HEAD\n", "    failure_threshold: 1\n")
    rewrite(services_file, one_probe_fails.replace("interval_seconds: 60", "failure_threshold: 1"))
    await sync_services_file(database, services_file)
    palopo, kendari = (await all_services(database)).values()
    assert palopo.id is not None and kendari.id is not None
    await probe(database, palopo.id, Reason.NETWORK_TIMEOUT, 0)
    await probe(database, kendari.id, Reason.NETWORK_TIMEOUT, 0, region="74.71")
    dropped_kendari = SERVICES.split("  - key: kendari-adminduk")[0]
    rewrite(services_file, dropped_kendari.replace("interval_seconds: 60", "is_paused: true"))
    assert counts(await sync_services_file(database, services_file)) == (0, 1, 1)
    async with database.read() as session:
        incidents = (await session.exec(select(Incident).order_by(col(Incident.id)))).all()
    assert [(i.region_code, i.ended_at is not None) for i in incidents] == [
        ("73.73", True),
        ("74.71", True),
    ]


async def rows_and_audit(database: Database) -> list[list[tuple[Any, ...]]]:
    """Every column of every service and of the audit log."""
    return await table_rows(database, Service, AuditEntry)


async def test_a_dry_run_says_what_would_change_and_writes_nothing(
    database: Database, services_file: Path
) -> None:
    await sync_services_file(database, services_file)
    before = await rows_and_audit(database)
    rewrite(
        services_file,
        SERVICES.split("  - key: kendari-adminduk")[0].replace(
            "interval_seconds: 60", "interval_seconds: 30\n    method: head"
        )
        + '  - key: luwu-siak\n    region_code: "73.17"\n    name: SIAK Luwu\n'
        "    url: https://siak.luwukab.go.id/\n",
    )
    report = await sync_services_file(database, services_file, dry_run=True)
    assert report.ok and report.dry_run
    assert [str(change) for change in report.changes] == [
        "delete kendari-adminduk (74.71 Adminduk Kendari)",
        "update palopo-siak (73.73 SIAK Gateway Palopo): interval_seconds, method",
        "create luwu-siak (73.17 SIAK Luwu)",
    ]
    assert str(report) == "would create 1, update 1, remove 1 (dry run: nothing written)"
    assert await rows_and_audit(database) == before

    # The same plan, applied.
    applied = await sync_services_file(database, services_file)
    assert applied.changes == report.changes and not applied.dry_run
    assert set(await all_services(database)) == {"palopo-siak", "luwu-siak"}


async def test_removing_more_than_half_of_the_keyed_services_needs_the_flag(
    database: Database, services_file: Path
) -> None:
    await sync_services_file(database, services_file)
    before = await rows_and_audit(database)
    rewrite(services_file, "services: []\n")
    for dry_run in (False, True):
        refused = await sync_services_file(database, services_file, dry_run=dry_run)
        assert not refused.ok and refused.errors == []
        assert (
            refused.refused
            == str(refused)
            == (
                "refusing to remove 2 of 2 keyed services (more than half) without "
                "--allow-mass-delete; nothing written"
            )
        )
        assert await rows_and_audit(database) == before
    # Half is not more than half: one of the two goes without asking.
    rewrite(services_file, SERVICES.split("  - key: kendari-adminduk")[0])
    assert counts(await sync_services_file(database, services_file)) == (0, 0, 1)

    rewrite(services_file, "services: []\n")
    allowed = await sync_services_file(database, services_file, allow_mass_delete=True)
    assert counts(allowed) == (0, 0, 1)
    assert await all_services(database) == {}


async def test_start_up_refuses_a_mass_delete_with_one_line_and_keeps_serving(
    settings: Settings, database: Database, services_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await sync_services_file(database, services_file)
    rewrite(services_file, "services: []\n")
    application = app.main.create_app(
        settings.model_copy(update={"services_file": str(services_file)})
    )
    with caplog.at_level(logging.ERROR, logger="app.usecases.services_file"):
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                listed = (await client.get("/api/v1/services")).json()["items"]
    assert {s["key"] for s in listed} == {"palopo-siak", "kendari-adminduk"}
    (record,) = [r for r in caplog.records if r.name == "app.usecases.services_file"]
    assert record.getMessage() == (
        f"services file {services_file} not applied: refusing to remove 2 of 2 keyed services "
        "(more than half) without --allow-mass-delete; nothing written; serving with the "
        "services as they are (to apply it, run `pantau services sync "
        f"{services_file} --allow-mass-delete` once)"
    )


def test_the_readme_example_is_a_valid_services_file() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The services file", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    entries, errors = parse_services(example)
    assert errors == []
    assert [e.key for e in entries] == ["palopo-siak", "kendari-adminduk"]
    palopo = entries[0]
    # Every field a service takes is shown, none left at a silent default.
    assert palopo.model_fields_set == set(ServiceCreate.model_fields)
    assert palopo.basic_auth is not None and palopo.cutoff_markers == ["akses diputus"]
