"""Cutoff events: a region's cut announced as a cut. Pure.

A *cut* begins with `cutoff.suspected` (Pantau's own probes read a cutoff: HTTP 451, a
revocation marker, the agents' two-path verdict) or `cutoff.declared` (an operator records
the ministry's letter), and ends with exactly one `cutoff.lifted`: the lifting letter, or the
region back to operational after an episode that carried the cut, whichever comes first.

- `cutoff.suspected` once per cut, on the first probe transition in the region reading a
  `policy.*` reason of its own; never per service, never again while the cut stands.
- `cutoff.declared` once per cutoff declaration (a second letter while cut is news), and
  once when a region whose cut was lifted by its recovery fails again under the same letter
  still in force (the recording path imposes it: a new cut, same letter).
- `cutoff.lifted` once per cut: a later lifting letter, or a later recovery, finds no cut.

Whether the region is cut is read from its latest `cutoff.*` event (the outbox keeps it for
the rest of the transaction), so replicas agree: every writer holds the region's lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.core.disclosure import public_evidence
from app.core.domain import Category, Reason, TransitionSource
from app.core.events import EventType, RegionInfo, iso, iso_or_none, reason_label

CUTOFF_EVENTS = (EventType.CUTOFF_SUSPECTED, EventType.CUTOFF_DECLARED, EventType.CUTOFF_LIFTED)


@dataclass(frozen=True, slots=True)
class Cut:
    """What the region's latest cutoff.* event left standing."""

    standing: bool = False
    reason: Reason | None = None  # the cut's reason, while it stands

    @classmethod
    def after(cls, event_type: str | None, reason: str | None) -> Cut:
        """The cut as the region's latest cutoff.* event (type, reason) left it."""
        if event_type is None or event_type == EventType.CUTOFF_LIFTED:
            return cls()
        return cls(True, Reason(reason) if reason else Reason.POLICY_CUTOFF)


NO_CUT = Cut()


def cited_cutoff(evidence: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The cutoff declaration a transition's evidence cites (the recording path imposed it)."""
    cited = evidence.get("declaration")
    if isinstance(cited, Mapping) and cited.get("kind") == "cutoff":
        return cited
    return None


def may_begin_cut(reason: Reason, source: TransitionSource) -> bool:
    """A probe's transition into a `policy.*` reason. Operators' transitions are the
    declaration's own (announced once per declaration, not per service)."""
    return source == TransitionSource.PROBE and reason.category == Category.POLICY


def cut_begins(
    cut: Cut, *, reason: Reason, evidence: Mapping[str, Any], source: TransitionSource
) -> EventType | None:
    """Whether a service's transition begins a cut: `may_begin_cut`, while the region
    stands uncut; a letter the recording path imposed makes it a declared cut."""
    if cut.standing or not may_begin_cut(reason, source):
        return None
    if cited_cutoff(evidence) is not None:
        return EventType.CUTOFF_DECLARED
    return EventType.CUTOFF_SUSPECTED


def cut_ends_with_recovery(cut: Cut, *, episode_ended: bool, region_operational: bool) -> bool:
    """Whether the region's recovery lifts its cut: the episode ended with the region back
    to operational (not merely every service paused or reset) while a cut stands. The caller
    also checks that the episode carried a cutoff."""
    return cut.standing and episode_ended and region_operational


class LiftedBy(StrEnum):
    DECLARATION = "declaration"
    RECOVERY = "recovery"


def letter_of(citation: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A declaration's citation (Declaration.citation(), or as a transition's evidence holds
    it) as an event's `letter`: reference, issuer, date (the letter's own), and where to read
    it. Only the public fields (app/core/disclosure.py); `letter_url`, the letter itself when
    it is public, as the outbox found it (app/core/letters.py)."""
    if citation is None:
        return None
    public = public_evidence({"declaration": citation}).get("declaration", {})
    linked = citation.get("letter_url")
    return {
        "declaration_id": public.get("id"),
        "kind": public.get("kind"),
        "reference": public.get("reference"),
        "issuer": public.get("issuer"),
        "date": public.get("issued_at"),
        "url": public.get("url"),
        "letter_url": linked if isinstance(linked, str) else None,
    }


@dataclass(frozen=True, slots=True)
class CutoffFacts:
    """Everything a cutoff.* event says, gathered by the outbox."""

    event_type: EventType
    region_code: str
    region: RegionInfo | None
    reason: Reason  # the cut's reason: policy.suspected or policy.cutoff
    at: datetime
    incident_id: int | None
    down_since: datetime | None  # the episode's start
    letter: Mapping[str, Any] | None = None  # the citation of the letter this event is about
    lifts: Mapping[str, Any] | None = None  # for a lifting letter: the cutoff letter it lifts
    lifted_by: LiftedBy | None = None
    source: TransitionSource = TransitionSource.PROBE
    transition_id: int | None = None
    evidence: Mapping[str, Any] | None = None


def cutoff_data(facts: CutoffFacts) -> dict[str, Any]:
    """The `data` of a cutoff.* event."""
    return {
        "region": facts.region.as_json() if facts.region else {"code": facts.region_code},
        "incident_id": facts.incident_id,
        "reason": str(facts.reason),
        "category": str(facts.reason.category),
        "reason_label": reason_label(facts.reason),
        "letter": letter_of(facts.letter),
        "lifts": letter_of(facts.lifts),
        "lifted_by": None if facts.lifted_by is None else str(facts.lifted_by),
        "down_since": iso_or_none(facts.down_since),
        "at": iso(facts.at),
        "source": str(facts.source),
        "transition_id": facts.transition_id,
        "evidence": public_evidence(facts.evidence or {}),
    }
