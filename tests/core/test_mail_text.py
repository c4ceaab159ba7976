"""Which events become citizens' mail, and the mails' words, pure: the kind and the key that
keeps a mail single, Indonesian and English texts with the region's own zone and the letter,
the confirmation, and the message as it goes on the wire."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from typing import Any

import pytest

from app.core.mail_text import (
    MailKind,
    build_message,
    compose_confirmation,
    compose_notice,
    notice_for_event,
    unsubscribe_headers,
)

AT = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)
PALOPO = {
    "code": "73.73",
    "name": "Kota Palopo",
    "province": {"code": "73", "name": "Sulawesi Selatan"},
}
LETTER = {
    "reference": "470/1234/Dukcapil",
    "issuer": "Ditjen Dukcapil",
    "date": "2026-11-28T09:00:00+08:00",
    "url": "https://dukcapil.kemendagri.go.id/470-1234",
}
LINKS = {
    "status_url": "https://pantau.example.go.id/regions/73.73",
    "unsubscribe_url": "https://pantau.example.go.id/subscribers/unsubscribe?token=t0k",
}


def event(event_type: str, **data: Any) -> dict[str, Any]:
    return {"region": PALOPO, "incident_id": 12, "at": "2026-11-29T08:30:00Z"} | data


@pytest.mark.parametrize(
    ("event_type", "data", "kind", "key"),
    [
        ("cutoff.declared", {"letter": LETTER}, MailKind.CUTOFF, "event:e1"),
        ("cutoff.suspected", {}, MailKind.CUTOFF, "event:e1"),
        ("region.outage", {"category": "network"}, MailKind.OUTAGE, "outage:12"),
        (
            "region.outage",
            {"category": "network", "incident_id": None},
            MailKind.OUTAGE,
            "event:e1",
        ),
        ("region.operational", {}, MailKind.RECOVERY, "recovery:12"),
        ("cutoff.lifted", {"lifted_by": "recovery"}, MailKind.RECOVERY, "recovery:12"),
        ("cutoff.lifted", {"lifted_by": "declaration"}, MailKind.LIFTED, "event:e1"),
        ("policy.warning", {"declaration": {"reference": "W/1"}}, MailKind.WARNING, "event:e1"),
    ],
)
def test_events_that_make_a_mail(
    event_type: str, data: dict[str, Any], kind: MailKind, key: str
) -> None:
    notice = notice_for_event("e1", event_type, event(event_type, **data), AT)
    assert notice is not None
    assert (notice.kind, notice.source_key, notice.region_code) == (kind, key, "73.73")


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("region.outage", {"category": "policy"}),  # its cutoff.* event says it, with the letter
        ("region.operational", {"incident_id": None}),  # no episode ended
        ("region.degraded", {}),
        ("region.maintenance", {}),
        ("region.reason_changed", {}),
        ("service.outage", {}),
        ("wave.started", {}),
        ("ping", {}),
    ],
)
def test_events_that_make_none(event_type: str, data: dict[str, Any]) -> None:
    assert notice_for_event("e1", event_type, event(event_type, **data), AT) is None
    assert notice_for_event("e1", "cutoff.declared", {"letter": LETTER}, AT) is None  # no region


def test_a_declared_cutoff_in_indonesian_reads_wita_and_cites_the_letter() -> None:
    data = event(
        "cutoff.declared",
        letter=LETTER,
        down_since="2026-11-29T08:00:00Z",
        reason_label={"id": "Diputus pusat (surat resmi)", "en": "Cut off (official letter)"},
    )
    notice = notice_for_event("e1", "cutoff.declared", data, AT)
    assert notice is not None
    text = compose_notice(notice, "id", **LINKS)
    assert text.subject == "[Pantau] Kota Palopo: layanan e-KTP diputus (surat 470/1234/Dukcapil)"
    assert text.body.splitlines() == [
        "Layanan e-KTP Kota Palopo (Sulawesi Selatan) diputus oleh pemerintah pusat.",
        "",
        "Penyebab: Diputus pusat (surat resmi)",
        "Sejak: 29 November 2026 pukul 16.00 WITA",
        "Surat: 470/1234/Dukcapil, dari Ditjen Dukcapil, tanggal 28 November 2026",
        "  https://dukcapil.kemendagri.go.id/470-1234",
        "",
        "Status terkini: https://pantau.example.go.id/regions/73.73",
        "",
        "-- ",
        "Anda menerima email ini karena berlangganan kabar layanan e-KTP Kota Palopo di Pantau.",
        "Berhenti berlangganan: https://pantau.example.go.id/subscribers/unsubscribe?token=t0k",
    ]


def test_english_mails_and_each_region_in_its_own_zone() -> None:
    ambon = {"code": "81.71", "name": "Kota Ambon"}
    outage = notice_for_event(
        "e2",
        "region.outage",
        {"region": ambon, "incident_id": 3, "category": "network", "since": "2026-11-29T08:00Z"},
        AT,
    )
    assert outage is not None
    text = compose_notice(outage, "en", **LINKS)
    assert text.subject == "[Pantau] Kota Ambon: e-KTP service down"
    assert "Since: 29 November 2026 at 17:00 WIT" in text.body
    assert (
        "Unsubscribe: https://pantau.example.go.id/subscribers/unsubscribe?token=t0k" in text.body
    )
    warning = notice_for_event(
        "e3",
        "policy.warning",
        {
            "region": {"code": "11.71", "name": "Kota Banda Aceh"},
            "declaration": {
                "reference": "W/9",
                "issuer": "Ditjen Dukcapil",
                "issued_at": "2026-11-20T10:00:00+07:00",
                "deadline": "2026-12-01T17:00:00Z",
            },
        },
        AT,
    )
    assert warning is not None
    text = compose_notice(warning, "en", **LINKS)
    assert text.subject == "[Pantau] Kota Banda Aceh: warning over the e-KTP service"
    assert "Deadline: 2 December 2026 at 00:00 WIB" in text.body
    assert "Letter: W/9, from Ditjen Dukcapil, dated 20 November 2026" in text.body


def test_recovery_says_when_and_since_when_it_was_down_where_the_event_says() -> None:
    back = event("region.operational", since="2026-11-29T08:30Z")  # operational since then
    notice = notice_for_event("e4", "region.operational", back, AT)
    assert notice is not None
    body = compose_notice(notice, "id", **LINKS).body
    assert body.startswith("Layanan e-KTP Kota Palopo (Sulawesi Selatan) kembali normal.")
    assert "Waktu: 29 November 2026 pukul 16.30 WITA" in body
    assert "sejak" not in body
    lifted = event("cutoff.lifted", lifted_by="recovery", down_since="2026-11-29T06:00Z")
    notice = notice_for_event("e5", "cutoff.lifted", lifted, AT)
    assert notice is not None
    body = compose_notice(notice, "en", **LINKS).body
    assert "Down since: 29 November 2026 at 14:00 WITA" in body
    assert "When: 29 November 2026 at 16:30 WITA" in body


def test_the_confirmation_names_the_regions_and_the_link() -> None:
    link = "https://pantau.example.go.id/subscribers/confirm?token=abc"
    regions = [("73.73", "Kota Palopo"), ("73", "Sulawesi Selatan")]
    indonesian = compose_confirmation("id", regions, confirm_url=link)
    assert indonesian.subject == "[Pantau] Konfirmasi langganan email"
    assert "Kota Palopo (73.73), Sulawesi Selatan (73)" in indonesian.body
    assert link in indonesian.body
    english = compose_confirmation("en", regions, confirm_url=link)
    assert english.subject == "[Pantau] Confirm your email subscription"
    assert "ignore this email" in english.body


def test_the_message_on_the_wire() -> None:
    headers = unsubscribe_headers(LINKS["unsubscribe_url"])
    message = build_message(
        sender=Address("Pantau", "pantau", "example.go.id"),
        recipient="warga@example.org",
        subject="[Pantau] Kota Palopo: layanan e-KTP diputus",
        body="Layanan e-KTP Kota Palopo diputus.\n",
        message_id="<1.2@example.go.id>",
        date=AT,
        headers=headers,
    )
    assert message["From"] == "Pantau <pantau@example.go.id>"
    assert message["Date"] == "Sun, 29 Nov 2026 08:30:00 +0000"
    assert message["Message-ID"] == "<1.2@example.go.id>"
    assert message["List-Unsubscribe"] == f"<{LINKS['unsubscribe_url']}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_charset() == "utf-8"
