"""A declarative services file (YAML) → the service table, in one transaction.

Each entry names a stable `key`; syncing creates the keys the table lacks, updates the ones
whose spec differs and removes keyed services the file no longer lists. Services without a
key (made through the API) are never touched. The whole file is validated first, with the
API's own rules: one bad entry and nothing is written. A dry run reports what a sync would
create, change (naming the fields) and delete, and writes nothing. Removing more than half of
the keyed services needs `allow_mass_delete` (app/core/sync_guard.py); without it nothing is
written. The README shows a complete file.

    services:
      - key: palopo-siak
        region_code: "73.73"
        name: SIAK Gateway Palopo
        url: https://siak.palopokota.go.id/health
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import Conflict
from app.core.sync_guard import is_mass_delete, mass_delete_refusal
from app.store import services as store
from app.store.audit import append_entry
from app.store.db import Database
from app.store.models import Service
from app.store.service_models import ServiceCreate, ServiceOperator, ServiceUpdate
from app.usecases import service_changes

SERVICES_FILE_ACTOR = "services-file"
log = logging.getLogger(__name__)
Verb = Literal["create", "update", "delete"]


@dataclass(frozen=True, slots=True)
class EntryError:
    """What is wrong, and where: `index` into `services` (None: the file as a whole)."""

    index: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = "file" if self.index is None else f"services[{self.index}]"
        return f"{where}{'.' + self.field if self.field else ''}: {self.message}"


class ServicesFileError(Exception):
    """A services file that cannot be applied, raised where a report will not do."""


@dataclass(frozen=True, slots=True)
class Change:
    """One thing a sync does (or, dry, would do) to a keyed service; an update names the fields
    that change (never their values: `basic_auth` is among them)."""

    verb: Verb
    key: str
    region_code: str
    name: str
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        line = f"{self.verb} {self.key} ({self.region_code} {self.name})"
        return f"{line}: {', '.join(self.fields)}" if self.fields else line


@dataclass(slots=True)
class SyncReport:
    changes: list[Change] = field(default_factory=list)
    errors: list[EntryError] = field(default_factory=list)
    keyed: int = 0  # keyed services before the sync
    dry_run: bool = False
    refused: str | None = None  # why a mass delete was not done: nothing was written

    @property
    def created(self) -> int:
        return self._count("create")

    @property
    def updated(self) -> int:
        return self._count("update")

    @property
    def removed(self) -> int:
        return self._count("delete")

    def _count(self, verb: Verb) -> int:
        return sum(1 for change in self.changes if change.verb == verb)

    @property
    def ok(self) -> bool:
        """The file was valid and its changes were (dry: may be) applied."""
        return not self.errors and self.refused is None

    def __str__(self) -> str:
        if self.errors:
            return f"{len(self.errors)} error(s), nothing written: " + "; ".join(
                map(str, self.errors)
            )
        if self.refused:
            return self.refused
        if self.dry_run:
            return (
                f"would create {self.created}, update {self.updated}, remove {self.removed} "
                "(dry run: nothing written)"
            )
        return f"{self.created} created, {self.updated} updated, {self.removed} removed"

    def raise_for_errors(self) -> SyncReport:
        """For start-up: fail loudly rather than serve with a services file left unapplied."""
        if self.errors:
            raise ServicesFileError(str(self))
        return self


async def sync_services_file(
    database: Database,
    path: str | Path,
    *,
    dry_run: bool = False,
    allow_mass_delete: bool = False,
) -> SyncReport:
    """Make the keyed services match the file at `path`; see the module docstring."""
    try:
        text = await asyncio.to_thread(Path(path).read_text, encoding="utf-8")
    except OSError as exc:
        return SyncReport(errors=[EntryError(None, None, f"cannot read {path}: {exc}")])
    entries, errors = parse_services(text)
    if errors:
        return SyncReport(errors=errors)
    options = {"dry_run": dry_run, "allow_mass_delete": allow_mass_delete}
    try:
        return await _sync(database, entries, **options)
    except Conflict:
        # Another replica synced the same file at the same moment; its rows are visible now.
        return await _sync(database, entries, **options)


async def sync_at_start_up(database: Database, path: str | Path) -> SyncReport:
    """PANTAU_SERVICES_FILE at start-up. A file with errors stops the start (raised). A mass
    delete is never made here: one error line, and the service starts with its services as
    they are, rather than emptying itself or crash-looping on a bad deploy; `pantau services
    sync FILE --allow-mass-delete` applies such a file deliberately."""
    report = (await sync_services_file(database, path)).raise_for_errors()
    if report.refused:
        log.error(
            "services file %s not applied: %s; serving with the services as they are (to apply "
            "it, run `pantau services sync %s --allow-mass-delete` once)",
            path,
            report.refused,
            path,
        )
    return report


async def _sync(
    database: Database, entries: list[ServiceCreate], *, dry_run: bool, allow_mass_delete: bool
) -> SyncReport:
    # A dry run reads only: it takes no write lock and cannot write.
    async with database.read() if dry_run else database.transaction() as session:
        known = await store.known_region_codes(session, {e.region_code for e in entries})
        errors = [
            # Parsing found no errors, so entries[i] is services[i].
            EntryError(i, "region_code", f"region {e.region_code!r} does not exist")
            for i, e in enumerate(entries)
            if e.region_code not in known
        ]
        if errors:
            return SyncReport(errors=errors)
        existing = await store.keyed_services(session)
        report = SyncReport(
            changes=plan_changes(existing, entries), keyed=len(existing), dry_run=dry_run
        )
        if is_mass_delete(report.keyed, report.removed) and not allow_mass_delete:
            report.refused = mass_delete_refusal(report.keyed, report.removed)
        elif not dry_run:
            await _apply(session, existing, entries, report.changes)
        return report


def parse_services(text: str) -> tuple[list[ServiceCreate], list[EntryError]]:
    """Every entry validated as the API would; errors name the entry and the field."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return [], [EntryError(None, None, f"not valid YAML: {exc}")]
    if not isinstance(document, dict) or set(document) != {"services"}:
        return [], [EntryError(None, None, "expected a mapping with one key, `services`")]
    raw = document["services"]
    if not isinstance(raw, list):
        return [], [EntryError(None, "services", "expected a list of services")]
    entries: list[ServiceCreate] = []
    errors: list[EntryError] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        entry, entry_errors = _parse_entry(index, item)
        errors += entry_errors
        if entry is None or entry.key is None:
            continue
        if entry.key in seen:
            errors.append(EntryError(index, "key", f"duplicate key {entry.key!r}"))
        seen.add(entry.key)
        entries.append(entry)
    return entries, errors


def _parse_entry(index: int, item: Any) -> tuple[ServiceCreate | None, list[EntryError]]:
    if not isinstance(item, dict):
        return None, [EntryError(index, None, "expected a mapping of service fields")]
    try:
        entry = ServiceCreate.model_validate(item)
    except ValidationError as exc:
        return None, [
            EntryError(index, ".".join(map(str, e["loc"])) or None, e["msg"])
            for e in exc.errors(include_url=False)
        ]
    if entry.key is None:
        return None, [EntryError(index, "key", "required in a services file")]
    return entry, []


def _update_of(entry: ServiceCreate) -> ServiceUpdate:
    """Every field of the entry: one the file leaves out goes back to its default."""
    return ServiceUpdate.model_validate(entry.model_dump(exclude={"key"}))


def plan_changes(existing: Mapping[str, Service], entries: Sequence[ServiceCreate]) -> list[Change]:
    """What syncing `entries` over the keyed services `existing` does, in the order it is done:
    deletions (by key), then the file's entries in its order, created or updated."""
    listed = {entry.key for entry in entries}
    changes = [
        Change("delete", key, service.region_code, service.name)
        for key, service in sorted(existing.items())
        if key not in listed
    ]
    for entry in entries:
        key = entry.key or ""
        current = existing.get(key)
        if current is None:
            changes.append(Change("create", key, entry.region_code, entry.name))
            continue
        differing = store.differing_fields(current, _update_of(entry))
        if differing:
            fields = tuple(sorted(differing))
            changes.append(Change("update", key, entry.region_code, entry.name, fields))
    return changes


async def _apply(
    session: AsyncSession,
    existing: Mapping[str, Service],
    entries: Sequence[ServiceCreate],
    changes: Sequence[Change],
) -> None:
    by_key = {entry.key: entry for entry in entries}
    for change in changes:
        if change.verb == "delete":
            service = existing[change.key]
            before = ServiceOperator.of(service)
            await service_changes.delete_service(session, service)
            await _audit(session, "delete", service.id, before=before)
        elif change.verb == "create":
            created = await store.create_service(session, spec=by_key[change.key])
            await _audit(session, "create", created.id, after=ServiceOperator.of(created))
        else:
            current = existing[change.key]
            before = ServiceOperator.of(current)
            update = _update_of(by_key[change.key])
            await service_changes.update_service(session, current, changes=update)
            after = ServiceOperator.of(current)
            await _audit(session, "update", current.id, before=before, after=after)


async def _audit(
    session: AsyncSession,
    verb: str,
    service_id: int | None,
    *,
    before: ServiceOperator | None = None,
    after: ServiceOperator | None = None,
) -> None:
    """The file, not a token, made this change: the audit log names it as the actor."""
    await append_entry(
        session,
        actor=SERVICES_FILE_ACTOR,
        key_id=None,
        action=f"service.{verb}",
        target_type="service",
        target_id=service_id,
        before=before.model_dump(mode="json") if before else None,
        after=after.model_dump(mode="json") if after else None,
    )
