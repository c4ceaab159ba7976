"""Waves as people read them: one banner line on the status page, one Atom entry, in
Indonesian and English ("Gangguan server pusat — 22 kabupaten/kota sejak 14.02 WIB"), times in
the view's zone (WIB on the status page and the country's feed). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.core.events import wave_area_labels
from app.core.local_format import clock
from app.core.regions.zones import Zone
from app.core.waves import WaveScope
from app.store.waves import WaveRecord
from app.web.atom import FeedEntry
from app.web.format import iso, local_time
from app.web.i18n import Lang, other, reason_label

LANGS: tuple[Lang, ...] = ("id", "en")


@dataclass(frozen=True, slots=True)
class WaveBanner:
    id: int
    category: str
    text: str
    text_other: str  # the same in the other language
    since_iso: str
    regions: tuple[str, ...]


def wave_title(wave: WaveRecord, lang: Lang) -> str:
    """The cause, and for an island group its name: "Gangguan jaringan antarwilayah (Maluku)"."""
    title = reason_label(wave.reason, lang)
    if wave.scope is WaveScope.ISLAND_GROUP:
        label_id, label_en = wave_area_labels(wave.scope, wave.area)
        title += f" ({label_id if lang == 'id' else label_en})"
    return title


def _since(at: datetime, now: datetime, zone: Zone, lang: Lang) -> str:
    """ "14.02 WIB" today (in `zone`), else the date as well."""
    local = at.astimezone(zone.tz)
    if local.date() == now.astimezone(zone.tz).date():
        return f"{clock(local, lang)} {zone.label}"
    return local_time(at, zone, lang)


def banner_text(wave: WaveRecord, now: datetime, zone: Zone, lang: Lang) -> str:
    count, since = len(wave.regions), _since(wave.started_at, now, zone, lang)
    if lang == "id":
        return f"{wave_title(wave, lang)} — {count} kabupaten/kota sejak {since}"
    return f"{wave_title(wave, lang)} — {count} regencies/cities since {since}"


def wave_banner(wave: WaveRecord, now: datetime, zone: Zone, lang: Lang) -> WaveBanner:
    return WaveBanner(
        id=wave.id,
        category=str(wave.reason.category),
        text=banner_text(wave, now, zone, lang),
        text_other=banner_text(wave, now, zone, other(lang)),
        since_iso=iso(wave.started_at),
        regions=wave.regions,
    )


def _summary(wave: WaveRecord, zone: Zone) -> str:
    parts = []
    for lang in LANGS:
        since = "sejak" if lang == "id" else "since"
        places = "kabupaten/kota" if lang == "id" else "regencies/cities"
        peak = "puncak" if lang == "id" else "peak"
        text = f"{wave_title(wave, lang)}: {len(wave.regions)} {places} ({peak} "
        text += f"{wave.peak_regions}) {since} {local_time(wave.started_at, zone, lang)}"
        if wave.ended_at is not None:
            ended = "berakhir" if lang == "id" else "ended"
            text += f", {ended} {local_time(wave.ended_at, zone, lang)}"
        parts.append(text + ".")
    parts.append("Wilayah / Regions: " + ", ".join(wave.regions))
    return "\n".join(parts)


def wave_entry(wave: WaveRecord, base_url: str, zone: Zone) -> FeedEntry:
    """One Atom entry; its text's times in `zone` (the feed's region's, or WIB)."""
    title = f"{wave_title(wave, 'id')} / {wave_title(wave, 'en')}"
    if wave.ended_at is not None:
        title += " — selesai / resolved"
    return FeedEntry(
        id=f"{base_url}/api/v1/waves/{wave.id}",
        title=title,
        link=f"{base_url}/api/v1/waves/{wave.id}",
        published=wave.started_at,
        updated=wave.updated_at,
        summary=_summary(wave, zone),
        categories=[str(wave.reason.category)],
    )
