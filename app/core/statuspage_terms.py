"""Pantau's states and causes in Atlassian Statuspage's vocabulary, and the human text that
carries the cause (and a declaration's letter) into widgets that show only text, in one
language per string (Indonesian or English, as the reader asked). Pure.

- operational → `operational`; degraded → `degraded_performance`; maintenance →
  `under_maintenance`; outage → `major_outage`, or `partial_outage` while only some of the
  region's services are down; unknown (not yet checked) → `operational`, said in the text.
- Not monitored (no service at all): `operational` too — Statuspage has no "unknown", and
  every other status claims a disruption that nobody observed — with the description "Tidak
  dipantau" / "Not monitored" (docs/maintainers.md says why).
- A province (component group) is `major_outage` only when every monitored regency/city in
  it is; any other outage in it makes it `partial_outage`.
- Page indicator: `critical` for a central system outage (`upstream.central`), `major` for
  any outage, `minor` for degradation or maintenance, else `none`.
- An episode that was maintenance throughout is no incident: Statuspage keeps maintenance in
  `scheduled_maintenances` (and the component's `under_maintenance`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from app.core.domain import Category, Reason, State
from app.core.language import Lang, pick
from app.core.regions.overview import RegionView, blast_words

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
PAGE_NAME = ("Pantau — Status layanan e-KTP daerah", "Pantau — Regional e-KTP service status")
NOT_MONITORED = ("Tidak dipantau", "Not monitored")
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


def status_description(
    level: Indicator, affected: int, total: int, monitored: int, lang: Lang
) -> str:
    """The page's status in words; when anything is affected, how many of all the regencies
    and cities, and how many are monitored at all."""
    text = pick(_DESCRIPTIONS[level], lang)
    if level == "none":
        return text
    return f"{text}: {pick(blast_words(affected, total, monitored), lang)}"


def group_text(affected: int, total: int, monitored: int, lang: Lang) -> str:
    """A province's description: its blast radius, or that nothing in it is watched."""
    if not monitored:
        return pick(NOT_MONITORED, lang)
    return pick(blast_words(affected, total, monitored), lang)


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "?"


def letter(citation: dict[str, Any] | None, lang: Lang) -> str:
    """A declaration cited after a cause, e.g. "; surat 400.8/1234/Dukcapil (Dukcapil)", and
    where its file is downloaded when public (`letter_url`)."""
    if not citation:
        return ""
    ref, issuer = citation.get("reference", "?"), citation.get("issuer", "?")
    link = citation.get("letter_url")
    tail = f" {link}" if isinstance(link, str) else ""
    return f"; {pick(('surat', 'letter'), lang)} {ref} ({issuer}){tail}"


def _label(item: State | Reason, lang: Lang) -> str:
    return item.label_id if lang == "id" else item.label_en


def region_text(view: RegionView, citation: dict[str, Any] | None, lang: Lang) -> str:
    """The component's description: state, cause with its code, since when, the letter; or
    that the region is not monitored, or not checked yet."""
    if not view.is_monitored:
        return pick(NOT_MONITORED, lang)
    if view.state == State.UNKNOWN:
        return _label(State.UNKNOWN, lang)
    state = _label(view.state, lang)
    if view.reason is None or view.reason == Reason.OK:
        return state
    cause, since = view.reason, _when(view.since)
    return (
        f"{state}: {_label(cause, lang)} ({cause}) {pick(('sejak', 'since'), lang)} {since}"
        f"{letter(citation, lang)}"
    )


def incident_name(region: str, reason: Reason, lang: Lang) -> str:
    return f"{region}: {_label(reason, lang)}"


def is_maintenance_only(reasons_seen: Sequence[str], reason: Reason) -> bool:
    """An episode whose every cause was maintenance (scheduled or announced by the endpoint):
    Statuspage shows it as maintenance, never as an incident."""
    seen = [Reason(r) for r in reasons_seen] or [reason]
    return all(r.category == Category.MAINTENANCE for r in seen)


def incident_component_status(worst: State) -> ComponentStatus:
    """What an incident did to its region's component, at its worst."""
    return "major_outage" if worst == State.OUTAGE else _BY_STATE[worst]


def incident_impact(worst: State, reasons_seen: Sequence[str]) -> Indicator:
    if str(Reason.UPSTREAM_CENTRAL) in reasons_seen:
        return "critical"
    return "major" if worst == State.OUTAGE else "minor"


def cause_text(reason: Reason, since: datetime, citation: dict[str, Any] | None, lang: Lang) -> str:
    lead = pick(("Terganggu sejak", "Disrupted since"), lang)
    return f"{lead} {_when(since)}: {_label(reason, lang)} ({reason}){letter(citation, lang)}."


def recovery_text(at: datetime, lang: Lang) -> str:
    return f"{pick(('Pulih, aktif kembali sejak', 'Recovered at'), lang)} {_when(at)}."
