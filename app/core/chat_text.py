"""What a chat or push channel (Apprise: Telegram, Slack, ntfy, Matrix, email…) says of an
event: a short title and a plain-text body, both languages in one message, Indonesian first.
Pure: the dispatcher hands in the event's stored body, exactly as webhooks receive it.

A cutoff reads as the region, the cause, since when and the letter cited; a region's change
as its state, cause, since when and how many services are affected; times in the region's
own zone (WIB, WITA, WIT), national ones (waves) in WIB, Indonesian forms
(`29 Nov 2026 16.00 WITA`). An event this module does not know still gets a message naming
its type, so a new event type never stops a delivery.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.core.domain import Reason, State
from app.core.local_format import local_date, local_time
from app.core.regions.zones import WIB, Zone, zone_of

Kind = Literal["info", "success", "warning", "failure"]  # Apprise's notification types
TITLE_MAX_CHARS = 250


@dataclass(frozen=True, slots=True)
class ChatMessage:
    title: str
    body: str
    kind: Kind = "info"


def both(indonesian: str, english: str) -> str:
    """`Terputus / Outage`; one word when both languages write it alike."""
    return indonesian if indonesian == english else f"{indonesian} / {english}"


_CUTOFF_TITLES: dict[str, tuple[str, str, Kind]] = {
    "cutoff.declared": ("layanan e-KTP diputus", "e-KTP service cut off", "failure"),
    "cutoff.suspected": (
        "dugaan pemutusan layanan e-KTP",
        "suspected cutoff of the e-KTP service",
        "failure",
    ),
    "lifted.declaration": ("pemutusan dicabut", "cutoff lifted", "success"),
    "lifted.recovery": (
        "layanan e-KTP pulih, pemutusan berakhir",
        "e-KTP service back, cutoff over",
        "success",
    ),
}
_STATE_KINDS: dict[str, Kind] = {
    "operational": "success",
    "outage": "failure",
    "degraded": "warning",
    "maintenance": "warning",
}
_WAVE_VERBS = {
    "wave.started": ("dimulai", "started"),
    "wave.updated": ("berubah", "changed"),
    "wave.ended": ("berakhir", "ended"),
}
_LABELS = {
    "region": ("Wilayah", "Region"),
    "cause": ("Penyebab", "Cause"),
    "since": ("Sejak", "Since"),
    "down_since": ("Terputus sejak", "Down since"),
    "at": ("Waktu", "At"),
    "letter": ("Surat", "Letter"),
    "lifts": ("Mencabut", "Lifts"),
    "deadline": ("Batas waktu", "Deadline"),
    "note": ("Catatan", "Note"),
    "services": ("Layanan terdampak", "Services affected"),
    "regions": ("Wilayah terdampak", "Regions affected"),
    "peak": ("Puncak", "Peak"),
}
NO_LETTER = both("Belum ada surat resmi", "No official letter yet")


def chat_message(envelope: str | Mapping[str, Any]) -> ChatMessage:
    """The message for one event body (`{"type", "timestamp", "data"}`, as stored)."""
    document = _document(envelope)
    event_type = str(document.get("type") or "event")
    data = document.get("data")
    data = data if isinstance(data, Mapping) else {}
    at = _instant(document.get("timestamp"))
    if event_type.startswith("cutoff."):
        return _cutoff(event_type, data)
    if event_type.startswith("region."):
        return _region_change(event_type, data, at)
    if event_type.startswith("service."):
        return _service_change(data, at)
    if event_type.startswith("wave."):
        return _wave(event_type, data)
    if event_type == "policy.warning":
        return _warning(data, at)
    if event_type == "ping":
        message = str(data.get("message") or "Pantau ping")
        return ChatMessage("Pantau: " + both("uji kirim", "test message"), message)
    return ChatMessage(f"Pantau: {event_type}", both("Peristiwa", "Event") + f": {event_type}")


def _document(envelope: str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(envelope, Mapping):
        return envelope
    try:
        parsed = json.loads(envelope)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, Mapping) else {}


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _line(key: str, value: str) -> str:
    return f"{both(*_LABELS[key])}: {value}"


def _zone(code: str | None) -> Zone:
    try:
        return zone_of(code) if code else WIB
    except LookupError:
        return WIB


def _when(value: object, zone: Zone) -> str | None:
    instant = value if isinstance(value, datetime) else _instant(value)
    return local_time(instant, zone, "id") if instant is not None else None


@dataclass(frozen=True, slots=True)
class _Place:
    code: str | None
    name: str
    province: str | None

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> _Place:
        region = data.get("region")
        region = region if isinstance(region, Mapping) else {}
        code = region.get("code") if isinstance(region.get("code"), str) else None
        province = region.get("province")
        province_name = province.get("name") if isinstance(province, Mapping) else None
        return cls(code, str(region.get("name") or code or "?"), _text(province_name))

    @property
    def zone(self) -> Zone:
        return _zone(self.code)

    def line(self) -> str:
        text = self.name if self.code is None else f"{self.name} ({self.code})"
        if self.province and self.province != self.name:
            text += f", {self.province}"
        return _line("region", text)


def _text(value: object) -> str | None:
    return str(value) if isinstance(value, str | int) and str(value) else None


def _title(subject: str, indonesian: str, english: str) -> str:
    title = f"{subject}: {both(indonesian, english)}"
    return title if len(title) <= TITLE_MAX_CHARS else title[: TITLE_MAX_CHARS - 1] + "…"


def _label(data: Mapping[str, Any], key: str = "reason_label") -> str | None:
    """A bilingual label from the event (`{"id", "en"}`), else from the reason's code."""
    label = data.get(key)
    if isinstance(label, Mapping) and isinstance(label.get("id"), str):
        return both(label["id"], str(label.get("en") or label["id"]))
    try:
        reason = Reason(str(data.get("reason")))
    except ValueError:
        return None
    return both(reason.label_id, reason.label_en)


def _letter(document: object, zone: Zone) -> str | None:
    """`470/1234/Dukcapil, Ditjen Dukcapil, 28 Nov 2026`, the link on its own line."""
    if not isinstance(document, Mapping) or not document.get("reference"):
        return None
    parts = [str(document["reference"])]
    if document.get("issuer"):
        parts.append(str(document["issuer"]))
    issued = _instant(document.get("date") or document.get("issued_at"))
    if issued is not None:
        parts.append(local_date(issued.astimezone(zone.tz).date(), "id"))  # the day it bears
    text = ", ".join(parts)
    url = document.get("url")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        text += f"\n{url}"
    return text


def _lines(*lines: str | None) -> str:
    return "\n".join(line for line in lines if line)


def _cutoff(event_type: str, data: Mapping[str, Any]) -> ChatMessage:
    place = _Place.of(data)
    zone = place.zone
    key = event_type
    if event_type == "cutoff.lifted":
        key = "lifted.recovery" if data.get("lifted_by") == "recovery" else "lifted.declaration"
    indonesian, english, kind = _CUTOFF_TITLES.get(key, (event_type, event_type, "info"))
    letter = _letter(data.get("letter"), zone)
    lifting = event_type == "cutoff.lifted"
    since = _when(data.get("down_since"), zone)
    body = _lines(
        None if lifting else _line("cause", _label(data) or "-"),
        _line("down_since" if lifting else "since", since) if since else None,
        _line("at", _when(data.get("at"), zone) or "") if lifting or not since else None,
        _line("letter", letter) if letter else (None if lifting else NO_LETTER),
        _line("lifts", _letter(data.get("lifts"), zone) or "") if data.get("lifts") else None,
        place.line(),
    )
    return ChatMessage(_title(place.name, indonesian, english), body, kind)


def _region_change(event_type: str, data: Mapping[str, Any], at: datetime | None) -> ChatMessage:
    place = _Place.of(data)
    zone = place.zone
    state = str(data.get("state") or event_type.split(".", 1)[1])
    label = _label(data, "state_label") or state
    if event_type == "region.reason_changed":
        title = _title(place.name, "penyebab berubah", "cause changed")
    else:
        title = f"{place.name}: {label}"
    services = data.get("services")
    counted = None
    if isinstance(services, Mapping) and isinstance(services.get("total"), int):
        counted = f"{services.get('affected', 0)}/{services['total']}"
    operational = state == "operational"
    body = _lines(
        f"{both('Status', 'State')}: {label}" if event_type == "region.reason_changed" else None,
        None if operational else _line("cause", _label(data) or "-"),
        _line("since", _when(data.get("since"), zone) or "-")
        if not operational
        else _line("at", _when(data.get("at"), zone) or _when(at, zone) or "-"),
        _line("services", counted) if counted and not operational else None,
        place.line(),
    )
    return ChatMessage(title, body, _STATE_KINDS.get(state, "info"))


def _service_change(data: Mapping[str, Any], at: datetime | None) -> ChatMessage:
    place = _Place.of(data)
    transition = data.get("transition")
    transition = transition if isinstance(transition, Mapping) else {}
    service = data.get("service")
    name = service.get("name") if isinstance(service, Mapping) else None
    try:
        state = State(str(transition.get("to_state")))
    except ValueError:
        state = State.UNKNOWN
    subject = f"{name} ({place.name})" if name else place.name
    body = _lines(
        None if state == State.OPERATIONAL else _line("cause", _label(transition) or "-"),
        _line("at", _when(transition.get("at"), place.zone) or _when(at, place.zone) or "-"),
        place.line(),
    )
    title = f"{subject}: {both(state.label_id, state.label_en)}"
    return ChatMessage(title, body, _STATE_KINDS.get(str(state), "info"))


def _warning(data: Mapping[str, Any], at: datetime | None) -> ChatMessage:
    place = _Place.of(data)
    zone = place.zone
    declaration = data.get("declaration")
    declaration = declaration if isinstance(declaration, Mapping) else {}
    note = _text(declaration.get("note"))
    body = _lines(
        _line("letter", _letter(declaration, zone) or "-"),
        _line("deadline", _when(declaration.get("deadline"), zone) or "-"),
        _line("note", note) if note else None,
        _line("at", _when(at, zone) or "-") if at else None,
        place.line(),
    )
    title = _title(place.name, "teguran atas layanan e-KTP", "warning over the e-KTP service")
    return ChatMessage(title, body, "warning")


def _wave(event_type: str, data: Mapping[str, Any]) -> ChatMessage:
    wave = data.get("wave")
    wave = wave if isinstance(wave, Mapping) else {}
    regions = wave.get("regions")
    count = len(regions) if isinstance(regions, list) else 0
    area = both(str(wave.get("area_label_id") or "?"), str(wave.get("area_label_en") or "?"))
    verb_id, verb_en = _WAVE_VERBS.get(event_type, ("", event_type))
    title = _title(
        f"{both('Gelombang gangguan', 'Outage wave')} {area}",
        f"{verb_id}, {count} wilayah",
        f"{verb_en}, {count} regions",
    )
    ended = event_type == "wave.ended"
    body = _lines(
        _line("cause", _label(wave) or "-"),
        _line("since", _when(wave.get("started_at"), WIB) or "-"),
        _line("at", _when(wave.get("ended_at"), WIB) or "-") if ended else None,
        _line("regions", _codes(regions)) if isinstance(regions, list) and regions else None,
        _line("peak", str(wave["peak_regions"]))
        if isinstance(wave.get("peak_regions"), int)
        else None,
    )
    return ChatMessage(title, body, "success" if ended else "failure")


def _codes(codes: list[Any], shown: int = 20) -> str:
    text = ", ".join(str(code) for code in codes[:shown])
    return text + (f" … (+{len(codes) - shown})" if len(codes) > shown else "")
