"""Chat and push messages (app/core/chat_text.py) and what is shown of an Apprise URL
(app/core/channel_urls.py): pure functions, tested directly."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

from app.core.channel_urls import masked_channel_url, scrub, secret_pieces
from app.core.chat_text import chat_message
from app.core.delivery_policy import AttemptResult, Outcome, RetryPolicy, decide

PALOPO = {
    "code": "73.73",
    "name": "Kota Palopo",
    "level": "city",
    "parent_code": "73",
    "province": {"code": "73", "name": "Sulawesi Selatan"},
}
LETTER = {
    "declaration_id": 3,
    "kind": "cutoff",
    "reference": "470/1234/Dukcapil",
    "issuer": "Ditjen Dukcapil",
    "date": "2026-11-28T01:00:00Z",
    "url": "https://dukcapil.kemendagri.go.id/berita/470-1234",
}
CUT = {
    "region": PALOPO,
    "incident_id": 7,
    "reason": "policy.cutoff",
    "category": "policy",
    "reason_label": {"id": "Pemutusan akses oleh pusat", "en": "Cut off by the centre"},
    "letter": LETTER,
    "lifts": None,
    "lifted_by": None,
    "down_since": "2026-11-29T08:00:00Z",
    "at": "2026-11-29T09:00:00Z",
}


def envelope(event_type: str, data: dict[str, Any]) -> str:
    return json.dumps({"type": event_type, "timestamp": "2026-11-29T09:00:00Z", "data": data})


def test_a_declared_cutoff_names_region_cause_since_and_letter_indonesian_first() -> None:
    message = chat_message(envelope("cutoff.declared", CUT))
    assert message.title == "Kota Palopo: layanan e-KTP diputus / e-KTP service cut off"
    assert message.kind == "failure"
    assert message.body.splitlines() == [
        "Penyebab / Cause: Pemutusan akses oleh pusat / Cut off by the centre",
        "Sejak / Since: 29 Nov 2026 16.00 WITA",  # 08:00 UTC in Palopo's own zone
        "Surat / Letter: 470/1234/Dukcapil, Ditjen Dukcapil, 28 Nov 2026",
        "https://dukcapil.kemendagri.go.id/berita/470-1234",
        "Wilayah / Region: Kota Palopo (73.73), Sulawesi Selatan",
    ]


def test_suspicion_lifting_and_recovery_read_as_such() -> None:
    suspected = chat_message(envelope("cutoff.suspected", CUT | {"letter": None}))
    assert "dugaan pemutusan" in suspected.title
    assert "Belum ada surat resmi / No official letter yet" in suspected.body
    recovered = chat_message(
        envelope("cutoff.lifted", CUT | {"lifted_by": "recovery", "letter": None, "lifts": LETTER})
    )
    assert recovered.kind == "success" and "pulih" in recovered.title
    assert "Terputus sejak / Down since: 29 Nov 2026 16.00 WITA" in recovered.body
    assert "Mencabut / Lifts: 470/1234/Dukcapil" in recovered.body


def test_region_wave_ping_and_unknown_events_all_make_a_message() -> None:
    outage = {
        "region": {"code": "94.71", "name": "Kota Jayapura"},
        "state": "outage",
        "state_label": {"id": "Terputus", "en": "Outage"},
        "reason": "network.timeout",
        "since": "2026-11-29T08:00:00Z",
        "services": {"affected": 2, "total": 3},
    }
    region = chat_message(envelope("region.outage", outage))
    assert region.title == "Kota Jayapura: Terputus / Outage"
    assert "Sejak / Since: 29 Nov 2026 17.00 WIT" in region.body  # the label from the reason
    assert "Layanan terdampak / Services affected: 2/3" in region.body
    wave = {
        "wave": {
            "area_label_id": "Nasional",
            "area_label_en": "National",
            "reason": "upstream.central",
            "regions": ["73.73", "81.71"],
            "started_at": "2026-11-29T08:00:00Z",
        }
    }
    started = chat_message(envelope("wave.started", wave))
    assert "2 wilayah" in started.title and "2 regions" in started.title
    assert "29 Nov 2026 15.00 WIB" in started.body  # national: WIB
    assert chat_message(envelope("ping", {"message": "Pantau ping"})).body == "Pantau ping"
    assert chat_message(envelope("storm.warning", {})).title == "Pantau: storm.warning"
    assert chat_message("not json").title.startswith("Pantau")


def test_an_apprise_url_is_shown_without_its_tokens() -> None:
    assert masked_channel_url("tgram://123456:AAE-secret/987654") == "tgram://…"
    assert masked_channel_url("ntfys://pantau-rahasia") == "ntfys://…"
    shown = masked_channel_url("ntfys://tok3n@ntfy.example.org/palopo", "ntfy.example.org")
    assert shown == "ntfys://ntfy.example.org/…"
    assert masked_channel_url("json://u:p@127.0.0.1:8080/x", "127.0.0.1", 8080) == (
        "json://127.0.0.1:8080/…"
    )
    assert masked_channel_url("json://[::1]/x", "::1") == "json://[::1]/…"


def test_error_text_loses_every_piece_of_the_url_that_could_be_a_token() -> None:
    url = "tgram://123456:AAE-secret%2Fx/987654?to=palopo-ops"
    pieces = secret_pieces(url, host_shown=False)
    text = "POST https://api.telegram.org/bot123456:AAE-secret/x/sendMessage chat 987654 palopo-ops"
    cleaned = scrub(text, pieces)
    for secret in ("123456", "AAE-secret", "987654", "palopo-ops"):
        assert secret not in cleaned
    assert "api.telegram.org" in cleaned
    shown_host = secret_pieces("json://user:pw-secret@10.1.1.1:8080/hook", host_shown=True)
    assert scrub("refused by 10.1.1.1 for pw-secret", shown_host) == "refused by 10.1.1.1 for ***"


def test_an_accepted_channel_message_succeeds_and_a_refused_one_retries() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    accepted = AttemptResult(at, 1.0, accepted=True)
    refused = AttemptResult(at, 1.0, error_class="apprise_failed", error="error=500")
    policy = RetryPolicy((5.0,), jitter=0)
    rng = random.Random(1)
    assert decide(accepted, attempt_number=1, policy=policy, now=at, rng=rng).outcome == (
        Outcome.SUCCEEDED
    )
    assert decide(refused, attempt_number=1, policy=policy, now=at, rng=rng).outcome == (
        Outcome.RETRY
    )
    assert decide(refused, attempt_number=2, policy=policy, now=at, rng=rng).outcome == (
        Outcome.FAILED
    )
