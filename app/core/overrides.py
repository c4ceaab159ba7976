"""Verdict → Verdict, seen against what operators told Pantau. Pure.

- While a region has an active cutoff (or office-equipment) declaration, its failing verdicts
  carry the declared reason whatever the probe saw, with the declaration as evidence: a cut
  made at the VPN layer looks like a timeout to a prober.
- Inside a maintenance window covering the service, failing verdicts read
  `maintenance.scheduled` instead of an outage.

Passing verdicts are never overridden: a probe that gets through outranks any paperwork. The
verdict the probe itself produced stays in the evidence as `observed_reason`, which is what a
lifted declaration returns the service to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.core.domain import Reason, Verdict
from app.core.windows import Occurrence


@dataclass(frozen=True, slots=True)
class DeclaredCause:
    """A region's active declaration: the reason it imposes and how to cite it."""

    reason: Reason
    citation: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ScheduledWindow:
    """A maintenance window's targets and its occurrences around the batch being recorded."""

    window_id: int
    title: str
    regions: tuple[str, ...] = ()  # each matches the region and every code under it
    service_ids: frozenset[int] = frozenset()
    occurrences: tuple[Occurrence, ...] = ()

    def targets(self, service_id: int, region_code: str) -> bool:
        if service_id in self.service_ids:
            return True
        return any(covers_region(prefix, region_code) for prefix in self.regions)

    def occurrence_at(self, at: datetime) -> Occurrence | None:
        return next((o for o in self.occurrences if o.contains(at)), None)


def covers_region(prefix: str, region_code: str) -> bool:
    """`73` covers the province and its regencies; `73.73` covers only Palopo."""
    return region_code == prefix or region_code.startswith(f"{prefix}.")


@dataclass(frozen=True, slots=True)
class Overrides:
    declarations: Mapping[str, DeclaredCause] = field(default_factory=dict)
    windows: Sequence[ScheduledWindow] = ()


NO_OVERRIDES = Overrides()


def override(
    verdict: Verdict, *, service_id: int, region_code: str, at: datetime, overrides: Overrides
) -> Verdict:
    if not verdict.reason.is_failure:
        return verdict
    observed = {"observed_reason": str(verdict.reason)}
    declared = overrides.declarations.get(region_code)
    if declared is not None:
        evidence = verdict.evidence | observed | {"rule": "declaration"}
        return Verdict(declared.reason, evidence | {"declaration": declared.citation})
    for window in overrides.windows:
        occurrence = window.occurrence_at(at) if window.targets(service_id, region_code) else None
        if occurrence is not None:
            maintenance = {
                "id": window.window_id,
                "title": window.title,
                "starts_at": occurrence.starts_at.isoformat(),
                "ends_at": occurrence.ends_at.isoformat(),
            }
            evidence = verdict.evidence | observed | {"rule": "maintenance_window"}
            return Verdict(Reason.MAINTENANCE_SCHEDULED, evidence | {"maintenance": maintenance})
    return verdict
