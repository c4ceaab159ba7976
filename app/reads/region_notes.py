"""What operators said about regions, as the region status shows it: the declaration and the
warning in force, and maintenance under way or coming soon. Loaded for a page of regions at
once (two queries, whatever the page size)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import State
from app.core.overrides import ScheduledWindow, covers_region
from app.core.state_machine import UP_STATES
from app.reads.letters import public_letter_urls
from app.reads.region_shapes import DeclarationPublic, DeclarationStatus, MaintenanceNotice
from app.store.declarations import Declaration, in_force_by_region
from app.store.maintenance import scheduled, windows_overlapping
from app.store.models import Service

UPCOMING_HORIZON = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class RegionNotes:
    declaration: DeclarationPublic | None = None
    warning: DeclarationPublic | None = None
    maintenance: list[MaintenanceNotice] = field(default_factory=list)

    def declaration_status(self, state: State) -> DeclarationStatus | None:
        """The declaration, flagged when the region's probes pass in spite of it."""
        if self.declaration is None:
            return None
        return DeclarationStatus(
            **self.declaration.model_dump(), contradicted_by_probes=state in UP_STATES
        )


NO_NOTES = RegionNotes()


def _notices(
    windows: Sequence[ScheduledWindow], region_code: str, services: Sequence[Service], now: datetime
) -> list[MaintenanceNotice]:
    notices = []
    for window in windows:
        by_region = any(covers_region(prefix, region_code) for prefix in window.regions)
        if not by_region and not any(s.id in window.service_ids for s in services):
            continue
        first = window.occurrences[0]
        status = "in_progress" if first.contains(now) else "scheduled"
        notices.append(
            MaintenanceNotice(
                id=window.window_id,
                title=window.title,
                status=status,
                starts_at=first.starts_at,
                ends_at=first.ends_at,
            )
        )
    return sorted(notices, key=lambda n: (n.starts_at, n.id))


async def load_region_notes(
    session: AsyncSession,
    services: Mapping[str, Sequence[Service]],
    *,
    now: datetime,
    base_url: str,
) -> dict[str, RegionNotes]:
    """Notes for each region in `services` (region code → its services); a declaration's
    public letter is linked below `base_url` (PANTAU_PUBLIC_URL)."""
    codes = list(services)
    in_force = await in_force_by_region(session, codes)
    cited = [d.id for f in in_force.values() for d in (f.cause, f.warning) if d is not None]
    public = await public_letter_urls(session, cited, base_url)
    end = now + UPCOMING_HORIZON
    windows = scheduled(await windows_overlapping(session, start=now, end=end), start=now, end=end)
    notes = {}
    for code in codes:
        force = in_force.get(code)
        notices = _notices(windows, code, services[code], now)
        if force is None and not notices:
            continue
        notes[code] = RegionNotes(
            declaration=_public(force.cause, public) if force else None,
            warning=_public(force.warning, public) if force else None,
            maintenance=notices,
        )
    return notes


def _public(
    declaration: Declaration | None, letter_urls: Mapping[int, str]
) -> DeclarationPublic | None:
    if declaration is None:
        return None
    public = DeclarationPublic.model_validate(declaration, from_attributes=True)
    return public.model_copy(update={"letter_url": letter_urls.get(public.id)})
