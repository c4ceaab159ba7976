"""The demo's webhook receiver verifies Standard Webhooks signatures and prints one line per
verified delivery; anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from app.core.events import encode_envelope
from app.core.signing import new_secret, signed_headers
from app.demo.receiver import PATH, Receiver, describe_delivery

OUTAGE = {
    "transition": {
        "reason": "policy.cutoff",
        "reason_label": {"id": "Pemutusan akses oleh pusat", "en": "Access cut off"},
    },
    "region": {"code": "73.73", "name": "Kota Palopo"},
}
WARNING = {
    "declaration": {"kind": "warning", "reference": "400.8/0917", "deadline": "2026-12-06T00:00Z"},
    "region": {"code": "73.17", "name": "Kabupaten Luwu"},
}


def signed(event_type: str, data: dict[str, Any], secret: str) -> tuple[dict[str, str], bytes]:
    now = datetime.now(UTC)
    body = encode_envelope(event_type, now, data)
    return signed_headers(event_id="msg_1", body=body, secrets=[secret], at=now), body.encode()


def test_a_line_names_the_type_the_region_and_the_reason_or_the_letter() -> None:
    outage = describe_delivery({"type": "service.outage", "data": OUTAGE})
    assert outage.startswith("[webhook verified]")
    assert "service.outage" in outage
    assert "73.73 Kota Palopo" in outage
    assert "policy.cutoff" in outage
    assert "Pemutusan akses oleh pusat" in outage
    warning = describe_delivery({"type": "policy.warning", "data": WARNING})
    assert "73.17 Kabupaten Luwu" in warning
    assert "400.8/0917" in warning
    assert "2026-12-06" in warning
    assert describe_delivery({"type": "ping", "data": {}}) == "[webhook verified]  ping"
    cut = {"region": OUTAGE["region"], "reason": "policy.cutoff", "letter": {"reference": "470/1"}}
    declared = describe_delivery({"type": "cutoff.declared", "data": cut})
    assert "cutoff.declared  73.73 Kota Palopo  policy.cutoff" in declared
    assert declared.endswith(", 470/1")


def test_only_a_delivery_signed_with_the_secret_is_printed() -> None:
    lines: list[str] = []
    receiver = Receiver(lines.append)
    secret = new_secret()
    headers, body = signed("service.outage", OUTAGE, secret)
    assert receiver.answer(PATH, headers, body) == 503  # the secret is not known yet
    receiver.secret = secret
    assert receiver.answer(PATH, headers, body) == 204
    assert receiver.answer("/elsewhere", headers, body) == 404
    forged_headers, forged_body = signed("service.outage", OUTAGE, new_secret())
    assert receiver.answer(PATH, forged_headers, forged_body) == 401
    tampered = body.replace(b"73.73", b"73.71")
    assert receiver.answer(PATH, headers, tampered) == 401
    assert receiver.verified == 1
    assert lines[0] == describe_delivery({"type": "service.outage", "data": OUTAGE})
    assert [line.split("]")[0] for line in lines[1:]] == ["[webhook REJECTED"] * 2


async def test_the_receiver_answers_over_a_real_loopback_socket() -> None:
    lines: list[str] = []
    secret = new_secret()
    async with Receiver(lines.append) as receiver, httpx.AsyncClient() as client:
        receiver.secret = secret
        headers, body = signed("policy.warning", WARNING, secret)
        response = await client.post(receiver.url, content=body, headers=headers)
    assert response.status_code == 204
    assert receiver.url.startswith("http://127.0.0.1:")
    assert lines == [describe_delivery({"type": "policy.warning", "data": WARNING})]
