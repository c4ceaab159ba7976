"""Incidents with their context, and waves → the Atom feed's entries, bilingual; their text's
times in the feed's zone: a region's or province's own, WIB for the whole country (the Atom
timestamps themselves stay UTC). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from app.core.domain import Reason, State
from app.core.regions.zones import Zone, view_zone
from app.store.waves import WaveRecord
from app.web.atom import EntryUpdate, Feed, FeedEntry
from app.web.format import local_time
from app.web.i18n import Lang, reason_label, state_label
from app.web.queries import IncidentRecord
from app.web.wave_view import wave_entry

LANGS: tuple[Lang, ...] = ("id", "en")


def _summary(record: IncidentRecord, zone: Zone, base_url: str) -> str:
    incident = record.incident
    state, reason = State(incident.worst_state), Reason(incident.reason)
    parts = []
    for lang in LANGS:
        since = "sejak" if lang == "id" else "since"
        started = local_time(incident.started_at, zone, lang)
        text = f"{state_label(state, lang)} {since} {started}"
        text += f" ({reason_label(reason, lang)})"
        if incident.ended_at is not None:
            ended = "berakhir" if lang == "id" else "ended"
            text += f", {ended} {local_time(incident.ended_at, zone, lang)}"
        parts.append(text + ".")
    for citation in record.citations:
        cited = f"Surat / Letter {citation.get('reference')} ({citation.get('issuer')})"
        link = _letter_link(citation, base_url)
        parts.append(f"{cited}: {link}" if link else f"{cited}.")
    return "\n".join(parts)


def _letter_link(citation: Mapping[str, Any], base_url: str) -> str | None:
    """The letter itself, when public (`declarations_cited` gives its path)."""
    path = citation.get("letter_path")
    return f"{base_url}{path}" if isinstance(path, str) else None


def entry_of(record: IncidentRecord, base_url: str, zone: Zone) -> FeedEntry:
    incident = record.incident
    reason = Reason(incident.reason)
    title = f"{record.region_name}: {reason.label_id} / {reason.label_en}"
    if incident.ended_at is not None:
        title += " — selesai / resolved"
    updates = [
        EntryUpdate(
            u.created_at, str(u.status), u.body_id, u.body_en, local_time(u.created_at, zone, "id")
        )
        for u in record.updates
    ]
    newest = max([incident.updated_at, *(u.created_at for u in record.updates)])
    return FeedEntry(
        id=f"{base_url}/api/v1/incidents/{incident.id}",
        title=title,
        link=f"{base_url}/regions/{incident.region_code}",
        published=incident.started_at,
        updated=newest,
        summary=_summary(record, zone, base_url),
        updates=updates,
        categories=[incident.category],
        enclosures=[
            (link, f"Surat / Letter {c.get('reference')}")
            for c in record.citations
            if (link := _letter_link(c, base_url))
        ],
    )


def incidents_feed(
    records: Sequence[IncidentRecord],
    *,
    base_url: str,
    region: str | None,
    region_name: str | None,
    now: datetime,
    waves: Sequence[WaveRecord] = (),
) -> Feed:
    """Newest first (by start): incidents, and one entry per wave."""
    zone = view_zone(region)
    entries = [entry_of(r, base_url, zone) for r in records]
    entries += [wave_entry(w, base_url, zone) for w in waves]
    entries.sort(key=lambda e: e.published, reverse=True)
    query = f"?region={region}" if region else ""
    title = "Pantau: insiden layanan e-KTP / e-KTP service incidents"
    if region_name:
        title += f" — {region_name}"
    return Feed(
        id=f"{base_url}/feeds/incidents.atom{query}",
        title=title,
        self_url=f"{base_url}/feeds/incidents.atom{query}",
        alternate_url=f"{base_url}/regions/{region}" if region else f"{base_url}/",
        updated=max((e.updated for e in entries), default=now),
        entries=entries,
    )
