"""Citizens' mail: which events become a mail, and the mail's words. Pure.

A confirmed subscriber hears of its regions' cutoffs (`cutoff.suspected`, `cutoff.declared`),
outages (`region.outage`), warnings (`policy.warning`), a lifting letter (`cutoff.lifted` by
declaration) and the recovery (`region.operational`, or `cutoff.lifted` by the recovery):

- one outage mail per episode (`outage:<incident>`), and none when the outage's reason is a
  cutoff: the cutoff.* event of the same change says it, citing its letter;
- one recovery mail per episode (`recovery:<incident>`), only to those told of the episode,
  whichever of region.operational and cutoff.lifted comes first;
- every cutoff letter, suspicion, lifting letter and warning is its own mail (`event:<id>`).

Texts are short, in the subscriber's language, times in the region's own zone (WIB, WITA,
WIT), with the letter (reference, issuer, date) when there is one and the unsubscribe link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum
from typing import Any, Literal

from app.core.instants import as_utc, stored_instant
from app.core.regions.zones import WIB, Zone, zone_of

Lang = Literal["id", "en"]
LANGS: tuple[Lang, ...] = ("id", "en")


class MailKind(StrEnum):
    CONFIRM = "confirm"
    CUTOFF = "cutoff"
    OUTAGE = "outage"
    WARNING = "warning"
    LIFTED = "lifted"
    RECOVERY = "recovery"


# The kinds that tell a subscriber of an episode: only those told get its recovery.
TOLD_OF_EPISODE = (MailKind.CUTOFF, MailKind.OUTAGE, MailKind.LIFTED)

_MONTHS = {
    "id": [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


@dataclass(frozen=True, slots=True)
class Letter:
    reference: str
    issuer: str | None
    issued_at: datetime | None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """What one event tells citizens, as the mail says it."""

    kind: MailKind
    source_key: str  # unique per subscriber: a retried event never queues a second mail
    event_type: str
    region_code: str
    region_name: str
    province_name: str | None
    at: datetime
    since: datetime | None = None  # the outage's start
    reason_label: Mapping[str, str] | None = None  # {"id": …, "en": …}
    letter: Letter | None = None
    deadline: datetime | None = None
    incident_id: int | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class MailText:
    subject: str
    body: str


def _instant(value: object) -> datetime | None:
    """An instant an event's data holds (ISO 8601 text, or a datetime), in UTC; None if it
    holds none Pantau could read (app/core/instants.py)."""
    return as_utc(value) if isinstance(value, datetime) else stored_instant(value)


def _letter(document: object) -> Letter | None:
    if not isinstance(document, Mapping) or not document.get("reference"):
        return None
    url = document.get("url")
    return Letter(
        reference=str(document["reference"]),
        issuer=str(document["issuer"]) if document.get("issuer") else None,
        issued_at=_instant(document.get("date") or document.get("issued_at")),
        url=str(url) if isinstance(url, str) and url.startswith(("https://", "http://")) else None,
    )


def notice_for_event(
    event_id: str, event_type: str, data: Mapping[str, Any], at: datetime
) -> Notice | None:
    """The notice an event makes for citizens, or None when it makes none."""
    region = data.get("region")
    if not isinstance(region, Mapping) or not isinstance(region.get("code"), str):
        return None
    incident = data.get("incident_id")
    incident_id = incident if isinstance(incident, int) else None
    kind, key = _kind_and_key(event_id, event_type, data, incident_id)
    if kind is None:
        return None
    province = region.get("province")
    declaration = data.get("declaration") if event_type == "policy.warning" else None
    label = data.get("reason_label")
    return Notice(
        kind=kind,
        source_key=key,
        event_type=event_type,
        region_code=region["code"],
        region_name=str(region.get("name") or region["code"]),
        province_name=str(province["name"]) if isinstance(province, Mapping) else None,
        at=_instant(data.get("at")) or at,
        since=_instant(data.get(_SINCE.get(event_type.split(".", 1)[0], ""))),
        reason_label=label if isinstance(label, Mapping) else None,
        letter=_letter(declaration if declaration is not None else data.get("letter")),
        deadline=_instant(declaration.get("deadline"))
        if isinstance(declaration, Mapping)
        else None,
        incident_id=incident_id,
        event_id=event_id,
    )


# Where an event says when the outage began: a cutoff.* event's `down_since`, a region.*
# event's `since` (for region.outage; after a recovery it is when the region came back).
_SINCE = {"cutoff": "down_since", "region": "since"}


def _kind_and_key(
    event_id: str, event_type: str, data: Mapping[str, Any], incident_id: int | None
) -> tuple[MailKind | None, str]:
    by_event = f"event:{event_id}"
    if event_type in ("cutoff.suspected", "cutoff.declared"):
        return MailKind.CUTOFF, by_event
    if event_type == "policy.warning":
        return MailKind.WARNING, by_event
    if event_type == "region.outage":
        if data.get("category") == "policy":
            return None, by_event  # the cutoff.* event of the same change says it
        return MailKind.OUTAGE, f"outage:{incident_id}" if incident_id else by_event
    recovered = event_type == "region.operational" or (
        event_type == "cutoff.lifted" and data.get("lifted_by") == "recovery"
    )
    if recovered:
        if incident_id is None:
            return None, by_event  # no episode ended: nothing to recover from
        return MailKind.RECOVERY, f"recovery:{incident_id}"
    if event_type == "cutoff.lifted":
        return MailKind.LIFTED, by_event
    return None, by_event


def zone_for(code: str) -> Zone:
    try:
        return zone_of(code)
    except LookupError:
        return WIB


def local_time(at: datetime, zone: Zone, lang: Lang) -> str:
    """`4 Desember 2026 pukul 09.15 WITA` / `4 December 2026 at 09:15 WITA`."""
    local = at.astimezone(zone.tz)
    day = f"{local.day} {_MONTHS[lang][local.month - 1]} {local.year}"
    if lang == "id":
        return f"{day} pukul {local:%H.%M} {zone.label}"
    return f"{day} at {local:%H:%M} {zone.label}"


def local_date(at: datetime, zone: Zone, lang: Lang) -> str:
    """A letter's date as the day it bears in the region."""
    local: date = at.astimezone(zone.tz).date()
    return f"{local.day} {_MONTHS[lang][local.month - 1]} {local.year}"


_SUBJECTS: dict[str, dict[Lang, str]] = {
    "cutoff.declared": {
        "id": "{region}: layanan e-KTP diputus",
        "en": "{region}: e-KTP service cut off",
    },
    "cutoff.suspected": {
        "id": "{region}: dugaan pemutusan layanan e-KTP",
        "en": "{region}: suspected cutoff of the e-KTP service",
    },
    MailKind.OUTAGE: {
        "id": "{region}: layanan e-KTP terganggu",
        "en": "{region}: e-KTP service down",
    },
    MailKind.WARNING: {
        "id": "{region}: teguran atas layanan e-KTP",
        "en": "{region}: warning over the e-KTP service",
    },
    MailKind.LIFTED: {
        "id": "{region}: pemutusan layanan e-KTP dicabut",
        "en": "{region}: e-KTP cutoff lifted",
    },
    MailKind.RECOVERY: {
        "id": "{region}: layanan e-KTP kembali normal",
        "en": "{region}: e-KTP service restored",
    },
}

_LEADS: dict[str, dict[Lang, str]] = {
    "cutoff.declared": {
        "id": "Layanan e-KTP {place} diputus oleh pemerintah pusat.",
        "en": "The e-KTP service of {place} has been cut off by the central government.",
    },
    "cutoff.suspected": {
        "id": "Pantau melihat tanda pemutusan layanan e-KTP {place} oleh pemerintah pusat; "
        "belum ada surat resmi.",
        "en": "Pantau sees signs that the central government has cut off the e-KTP service "
        "of {place}; no official letter yet.",
    },
    MailKind.OUTAGE: {
        "id": "Layanan e-KTP {place} sedang terganggu.",
        "en": "The e-KTP service of {place} is down.",
    },
    MailKind.WARNING: {
        "id": "Pemerintah pusat memberi teguran atas layanan e-KTP {place}.",
        "en": "The central government has issued a warning over the e-KTP service of {place}.",
    },
    MailKind.LIFTED: {
        "id": "Pemutusan layanan e-KTP {place} dicabut. Pantau akan mengabari saat layanan "
        "kembali normal.",
        "en": "The cutoff of the e-KTP service of {place} has been lifted. Pantau will tell "
        "you when the service is back.",
    },
    MailKind.RECOVERY: {
        "id": "Layanan e-KTP {place} kembali normal.",
        "en": "The e-KTP service of {place} is back to normal.",
    },
}

_WORDS: dict[str, dict[Lang, str]] = {
    "cause": {"id": "Penyebab", "en": "Cause"},
    "since": {"id": "Sejak", "en": "Since"},
    "at": {"id": "Waktu", "en": "When"},
    "down_since": {"id": "Terganggu sejak", "en": "Down since"},
    "deadline": {"id": "Batas waktu", "en": "Deadline"},
    "letter": {"id": "Surat", "en": "Letter"},
    "issued_by": {"id": "dari", "en": "from"},
    "dated": {"id": "tanggal", "en": "dated"},
    "status": {"id": "Status terkini", "en": "Current status"},
    "why": {
        "id": "Anda menerima email ini karena berlangganan kabar layanan e-KTP {region} di Pantau.",
        "en": "You receive this email because you subscribed to news of the e-KTP service "
        "of {region} on Pantau.",
    },
    "unsubscribe": {"id": "Berhenti berlangganan", "en": "Unsubscribe"},
}


def _subject_key(notice: Notice) -> str:
    return notice.event_type if notice.kind == MailKind.CUTOFF else str(notice.kind)


def compose_notice(
    notice: Notice, lang: Lang, *, status_url: str, unsubscribe_url: str
) -> MailText:
    """The subject and plain-text body of a notice, in `lang`."""
    zone = zone_for(notice.region_code)
    key = _subject_key(notice)
    place = notice.region_name
    if notice.province_name and notice.province_name != notice.region_name:
        place = f"{notice.region_name} ({notice.province_name})"
    subject = "[Pantau] " + _SUBJECTS[key][lang].format(region=notice.region_name)
    if notice.letter is not None and notice.kind in (MailKind.CUTOFF, MailKind.LIFTED):
        subject += f" ({_WORDS['letter'][lang].lower()} {notice.letter.reference})"
    lines = [_LEADS[key][lang].format(place=place), ""]
    if notice.reason_label and notice.kind != MailKind.RECOVERY:
        label = notice.reason_label.get(lang) or notice.reason_label.get("id")
        if label:
            lines.append(f"{_WORDS['cause'][lang]}: {label}")
    if notice.kind == MailKind.RECOVERY:
        if notice.since is not None and notice.event_type != "region.operational":
            lines.append(f"{_WORDS['down_since'][lang]}: {local_time(notice.since, zone, lang)}")
        lines.append(f"{_WORDS['at'][lang]}: {local_time(notice.at, zone, lang)}")
    elif notice.since is not None and notice.kind != MailKind.WARNING:
        lines.append(f"{_WORDS['since'][lang]}: {local_time(notice.since, zone, lang)}")
    else:
        lines.append(f"{_WORDS['at'][lang]}: {local_time(notice.at, zone, lang)}")
    if notice.deadline is not None:
        lines.append(f"{_WORDS['deadline'][lang]}: {local_time(notice.deadline, zone, lang)}")
    if notice.letter is not None:
        lines.append(f"{_WORDS['letter'][lang]}: {_cite(notice.letter, zone, lang)}")
        if notice.letter.url:
            lines.append(f"  {notice.letter.url}")
    lines += [
        "",
        f"{_WORDS['status'][lang]}: {status_url}",
        "",
        "-- ",
        _WORDS["why"][lang].format(region=notice.region_name),
        f"{_WORDS['unsubscribe'][lang]}: {unsubscribe_url}",
    ]
    return MailText(subject, "\n".join(lines) + "\n")


def _cite(letter: Letter, zone: Zone, lang: Lang) -> str:
    text = letter.reference
    if letter.issuer:
        text += f", {_WORDS['issued_by'][lang]} {letter.issuer}"
    if letter.issued_at is not None:
        text += f", {_WORDS['dated'][lang]} {local_date(letter.issued_at, zone, lang)}"
    return text


def compose_confirmation(
    lang: Lang, regions: Sequence[tuple[str, str]], *, confirm_url: str
) -> MailText:
    """The one mail an unconfirmed address ever gets: the link that confirms it."""
    names = ", ".join(f"{name} ({code})" for code, name in regions)
    if lang == "id":
        subject = "[Pantau] Konfirmasi langganan email"
        lines = [
            "Seseorang (semoga Anda) meminta kabar layanan e-KTP dari Pantau untuk alamat ini:",
            names,
            "",
            "Untuk mengonfirmasi, buka tautan ini lalu tekan tombol Konfirmasi:",
            confirm_url,
            "",
            "Jika Anda tidak memintanya, abaikan email ini: tanpa konfirmasi, Pantau tidak "
            "akan mengirim email lain ke alamat ini.",
        ]
    else:
        subject = "[Pantau] Confirm your email subscription"
        lines = [
            "Someone (hopefully you) asked Pantau for news of the e-KTP service at this "
            "address for:",
            names,
            "",
            "To confirm, open this link and press the Confirm button:",
            confirm_url,
            "",
            "If you did not ask for it, ignore this email: without confirmation Pantau sends "
            "nothing else to this address.",
        ]
    return MailText(subject, "\n".join(lines) + "\n")


def unsubscribe_headers(unsubscribe_url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: a one-click unsubscribe a mail client can offer."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def build_message(
    *,
    sender: Address,
    recipient: str,
    subject: str,
    body: str,
    message_id: str,
    date: datetime,
    headers: Mapping[str, str],
    html: str | None = None,
) -> EmailMessage:
    """The message as it goes on the wire, the same on every attempt."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    for name, value in headers.items():
        message[name] = value
    message.set_content(body, charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    return message
