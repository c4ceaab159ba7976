"""`pantau services sync` as an operator runs it (a real process on the test's database):
`--dry-run` prints the plan and writes nothing, not a byte; `services: []` against keyed
services is refused with one line naming the count and the flag (exit 2) until
`--allow-mass-delete` says yes."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from app.settings import Settings
from app.store.audit import AuditEntry
from app.store.db import Database
from app.store.models import Service
from app.usecases.services_file import sync_services_file
from tests.support.snapshots import table_rows

PANTAU = str(Path(sys.executable).with_name("pantau"))
SERVICES = """
services:
  - key: palopo-siak
    region_code: "73.73"
    name: SIAK Gateway Palopo
    url: https://siak.palopokota.go.id/health
  - key: kendari-adminduk
    region_code: "74.71"
    name: Adminduk Kendari
    url: https://adminduk.kendarikota.go.id/
"""


def sync(settings: Settings, path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PANTAU_")}
    env["PANTAU_DATABASE_URL"] = settings.database_url
    return subprocess.run(
        [PANTAU, "services", "sync", str(path), *flags],
        env=env,
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def _rows(settings: Settings) -> list[list[tuple[object, ...]]]:
    database = Database(settings)
    try:
        return await table_rows(database, Service, AuditEntry)
    finally:
        await database.dispose()


def snapshot(settings: Settings) -> tuple[object, ...]:
    """Every column of every service and the audit log; on SQLite the database file's bytes.
    The engine is closed first, so SQLite has folded its write-ahead log into the file."""
    rows = asyncio.run(_rows(settings))
    if not settings.is_sqlite:
        return tuple(rows)
    path = Path(settings.database_url.split(":///", 1)[1])
    return (*rows, hashlib.sha256(path.read_bytes()).hexdigest())


async def _sync_in_process(settings: Settings, path: Path) -> None:
    database = Database(settings)
    try:
        assert (await sync_services_file(database, path)).ok
    finally:
        await database.dispose()


def test_dry_run_then_mass_delete_guard(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "services.yaml"
    path.write_text(SERVICES, encoding="utf-8")
    asyncio.run(_sync_in_process(settings, path))
    before = snapshot(settings)
    audited = len(asyncio.run(_rows(settings))[1])

    edited = SERVICES.split("  - key: kendari-adminduk")[0] + "    interval_seconds: 30\n"
    path.write_text(edited, encoding="utf-8")
    dry = sync(settings, path, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "delete kendari-adminduk (74.71 Adminduk Kendari)",
        "update palopo-siak (73.73 SIAK Gateway Palopo): interval_seconds",
        "would create 0, update 1, remove 1 (dry run: nothing written)",
    ]
    assert snapshot(settings) == before

    path.write_text("services: []\n", encoding="utf-8")
    refusal = (
        "pantau: refusing to remove 2 of 2 keyed services (more than half) without "
        "--allow-mass-delete; nothing written"
    )
    for flags in ((), ("--dry-run",)):
        refused = sync(settings, path, *flags)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert refused.stderr.splitlines() == [refusal]
        deletions = ["delete kendari-adminduk", "delete palopo-siak"]
        planned = [line.split(" (")[0] for line in refused.stdout.splitlines()]
        assert planned == (deletions if flags else [])
        assert snapshot(settings) == before

    allowed = sync(settings, path, "--allow-mass-delete")
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.splitlines()[-1] == "0 created, 0 updated, 2 removed"
    services, audit = asyncio.run(_rows(settings))
    assert services == [] and len(audit) == audited + 2  # one delete each
