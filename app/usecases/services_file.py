"""A declarative services file (YAML) → the service table, in one transaction.

Each entry names a stable `key`; syncing creates the keys the table lacks, updates the ones
whose spec differs and removes keyed services the file no longer lists. Services without a
key (made through the API) are never touched. The whole file is validated first, with the
API's own rules: one bad entry and nothing is written.

    services:
      - key: palopo-siak
        region_code: "73.73"
        name: SIAK Gateway Palopo
        url: https://siak.palopokota.go.id/health
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import Conflict
from app.store import services as store
from app.store.audit import append_entry
from app.store.db import Database
from app.store.service_models import ServiceCreate, ServiceOperator, ServiceUpdate
from app.usecases import service_changes

SERVICES_FILE_ACTOR = "services-file"


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


@dataclass(slots=True)
class SyncReport:
    created: int = 0
    updated: int = 0
    removed: int = 0
    errors: list[EntryError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        if self.errors:
            return f"{len(self.errors)} error(s), nothing written: " + "; ".join(
                map(str, self.errors)
            )
        return f"{self.created} created, {self.updated} updated, {self.removed} removed"

    def raise_for_errors(self) -> SyncReport:
        """For start-up: fail loudly rather than serve with a services file left unapplied."""
        if self.errors:
            raise ServicesFileError(str(self))
        return self


async def sync_services_file(database: Database, path: str | Path) -> SyncReport:
    """Make the keyed services match the file at `path`; see the module docstring."""
    try:
        text = await asyncio.to_thread(Path(path).read_text, encoding="utf-8")
    except OSError as exc:
        return SyncReport(errors=[EntryError(None, None, f"cannot read {path}: {exc}")])
    entries, errors = parse_services(text)
    if errors:
        return SyncReport(errors=errors)
    try:
        return await _sync(database, entries)
    except Conflict:
        # Another replica synced the same file at the same moment; its rows are visible now.
        return await _sync(database, entries)


async def _sync(database: Database, entries: list[ServiceCreate]) -> SyncReport:
    async with database.transaction() as session:
        known = await store.known_region_codes(session, {e.region_code for e in entries})
        errors = [
            # Parsing found no errors, so entries[i] is services[i].
            EntryError(i, "region_code", f"region {e.region_code!r} does not exist")
            for i, e in enumerate(entries)
            if e.region_code not in known
        ]
        if errors:
            return SyncReport(errors=errors)
        return await _apply(session, entries)


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


async def _apply(session: AsyncSession, entries: list[ServiceCreate]) -> SyncReport:
    report = SyncReport()
    existing = await store.keyed_services(session)
    listed = {entry.key for entry in entries}
    for key, service in existing.items():
        if key not in listed:
            before = ServiceOperator.of(service)
            await service_changes.delete_service(session, service)
            await _audit(session, "delete", service.id, before=before)
            report.removed += 1
    for entry in entries:
        current = existing.get(entry.key or "")
        if current is None:
            created = await store.create_service(session, spec=entry)
            await _audit(session, "create", created.id, after=ServiceOperator.of(created))
            report.created += 1
            continue
        before = ServiceOperator.of(current)
        changes = ServiceUpdate.model_validate(entry.model_dump(exclude={"key"}))
        if await service_changes.update_service(session, current, changes=changes):
            after = ServiceOperator.of(current)
            await _audit(session, "update", current.id, before=before, after=after)
            report.updated += 1
    return report


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
