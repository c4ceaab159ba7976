"""Pantau's states and causes in Atlassian Statuspage's vocabulary, and the human text that
carries the cause (and a declaration's letter) into widgets that show only text. Pure.

- operational → `operational`; degraded → `degraded_performance`; maintenance →
  `under_maintenance`; outage → `major_outage`, or `partial_outage` while only some of the
  region's services are down; unknown (not yet checked) → `operational`, said in the text.
- A province (component group) is `major_outage` only when every monitored regency/city in
  it is; any other outage in it makes it `partial_outage`.
- Page indicator: `critical` for a central system outage (`upstream.central`), `major` for
  any outage, `minor` for degradation or maintenance, else `none`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from app.core.domain import Reason, State
from app.core.regions.overview import RegionView

ComponentStatus = Literal[
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"
]
Indicator = Literal["none", "minor", "major", "critical"]
IncidentStatus = Literal["investigating", "identified", "monitoring", "resolved", "postmortem"]

_BY_STATE: dict[State, ComponentStatus] = {
    State.OPERATIONAL: "operational",
    State.UNKNOWN: "operational",
    State.DEGRADED: "degraded_performance",
    State.MAINTENANCE: "under_maintenance",
    State.OUTAGE: "major_outage",
}
_DESCRIPTIONS: dict[Indicator, tuple[str, str]] = {
    "none": ("Semua layanan normal", "All Systems Operational"),
    "minor": ("Sebagian layanan terganggu", "Partially Degraded Service"),
    "major": ("Sebagian layanan terputus", "Partial System Outage"),
    "critical": ("Gangguan server pusat", "Major System Outage"),
}


def component_status(view: RegionView) -> ComponentStatus:
    if view.state == State.OUTAGE and view.services_down < view.services:
        return "partial_outage"
    return _BY_STATE[view.state]


def group_status(children: Sequence[ComponentStatus]) -> ComponentStatus:
    if not children:
        return "operational"
    if all(s == "major_outage" for s in children):
        return "major_outage"
    if any(s in ("major_outage", "partial_outage") for s in children):
        return "partial_outage"
    if "under_maintenance" in children:
        return "under_maintenance"
    return "degraded_performance" if "degraded_performance" in children else "operational"


def indicator(views: Sequence[RegionView]) -> Indicator:
    affected = [v for v in views if v.is_affected]
    if any(v.reason == Reason.UPSTREAM_CENTRAL for v in affected):
        return "critical"
    if any(v.state == State.OUTAGE for v in affected):
        return "major"
    return "minor" if affected else "none"


def status_description(level: Indicator, affected: int, total: int) -> str:
    text_id, text_en = _DESCRIPTIONS[level]
    if level == "none":
        return f"{text_id} / {text_en}"
    return (
        f"{text_id}: {affected} dari {total} kabupaten/kota terdampak / "
        f"{text_en}: {affected} of {total} regencies/cities affected"
    )


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "?"


def letter(citation: dict[str, Any] | None) -> tuple[str, str]:
    """A declaration as (Indonesian, English) text, e.g. for a cutoff letter."""
    if not citation:
        return "", ""
    ref, issuer = citation.get("reference", "?"), citation.get("issuer", "?")
    return f"; surat {ref} ({issuer})", f"; letter {ref} ({issuer})"


def region_text(view: RegionView, citation: dict[str, Any] | None = None) -> str:
    """The component's description: state, cause with its code, since when, the letter."""
    if view.state == State.UNKNOWN:
        return "Belum diketahui / Unknown"
    state_id, state_en = view.state.label_id, view.state.label_en
    if view.reason is None or view.reason == Reason.OK:
        return f"{state_id} / {state_en}"
    cause, since = view.reason, _when(view.since)
    ref_id, ref_en = letter(citation)
    return (
        f"{state_id}: {cause.label_id} ({cause}) sejak {since}{ref_id} / "
        f"{state_en}: {cause.label_en} ({cause}) since {since}{ref_en}"
    )


def incident_component_status(worst: State) -> ComponentStatus:
    """What an incident did to its region's component, at its worst."""
    return "major_outage" if worst == State.OUTAGE else _BY_STATE[worst]


def incident_impact(worst: State, reasons_seen: Sequence[str]) -> Indicator:
    if str(Reason.UPSTREAM_CENTRAL) in reasons_seen:
        return "critical"
    return "major" if worst == State.OUTAGE else "minor"


def cause_text(reason: Reason, since: datetime, citation: dict[str, Any] | None) -> str:
    ref_id, ref_en = letter(citation)
    return (
        f"Terganggu sejak {_when(since)}: {reason.label_id} ({reason}){ref_id}. / "
        f"Disrupted since {_when(since)}: {reason.label_en} ({reason}){ref_en}."
    )


def recovery_text(at: datetime) -> str:
    return f"Pulih / aktif kembali sejak {_when(at)}. / Recovered at {_when(at)}."
