"""Pure cores of the notify stage: event types, filters, the envelope, signing, the retry
decision and the schedule setting."""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app.core.delivery_policy import (
    AttemptResult,
    Outcome,
    RetryPolicy,
    decide,
    retry_after_seconds,
)
from app.core.domain import State
from app.core.events import (
    EventType,
    Filters,
    encode_envelope,
    matches,
    new_event_id,
    transition_event_type,
)
from app.core.signing import new_secret, signed_headers
from app.settings import DEFAULT_RETRY_SCHEDULE, Settings, parse_duration

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
S = State


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (S.OPERATIONAL, S.OUTAGE, EventType.SERVICE_OUTAGE),
        (S.UNKNOWN, S.OPERATIONAL, EventType.SERVICE_OPERATIONAL),
        (S.OUTAGE, S.OPERATIONAL, EventType.SERVICE_OPERATIONAL),
        (S.OPERATIONAL, S.DEGRADED, EventType.SERVICE_DEGRADED),
        (S.OUTAGE, S.MAINTENANCE, EventType.SERVICE_MAINTENANCE),
        (S.OUTAGE, S.OUTAGE, EventType.SERVICE_REASON_CHANGED),
        (S.OPERATIONAL, S.UNKNOWN, None),
    ],
)
def test_event_type_of_a_transition(before: State, after: State, expected: EventType) -> None:
    assert transition_event_type(before, after) == expected


OUTAGE = {"event_type": "service.outage", "region_code": "73.73", "category": "policy"}


@pytest.mark.parametrize(
    ("filters", "event", "wanted"),
    [
        (Filters(), OUTAGE, True),
        (Filters(region_prefixes=("73",)), OUTAGE, True),
        (Filters(region_prefixes=("7",)), OUTAGE, False),  # a prefix is a whole code
        (Filters(region_prefixes=("73.7",)), OUTAGE, False),
        (Filters(region_prefixes=("74", "73.73")), OUTAGE, True),
        (Filters(categories=("policy",)), OUTAGE, True),
        (Filters(categories=("network",)), OUTAGE, False),
        (Filters(event_types=("service.outage",)), OUTAGE, True),
        (Filters(event_types=("ping",)), OUTAGE, False),
        (Filters(region_prefixes=("73",)), OUTAGE | {"region_code": None}, True),
        (Filters(categories=("network",)), OUTAGE | {"category": None}, True),
    ],
)
def test_filters(filters: Filters, event: dict[str, str | None], wanted: bool) -> None:
    assert matches(filters, **event) is wanted  # type: ignore[arg-type]


def test_envelope_is_compact_standard_webhooks_json() -> None:
    body = encode_envelope("ping", NOW, {"at": NOW, "name": "Kota Palopo — Sulsel"})
    assert body.startswith('{"type":"ping","timestamp":"2026-11-29T08:00:00Z","data":')
    assert json.loads(body)["data"] == {
        "at": "2026-11-29T08:00:00Z",
        "name": "Kota Palopo — Sulsel",
    }


def test_event_ids_are_unique_and_prefixed() -> None:
    ids = {new_event_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(i.startswith("msg_") for i in ids)


@pytest.mark.parametrize("nbytes", [24, 32, 64])
def test_secret_format(nbytes: int) -> None:
    secret = new_secret(nbytes)
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == nbytes


def test_secret_size_is_bounded() -> None:
    with pytest.raises(ValueError):
        new_secret(16)


def test_signed_headers_verify_with_each_secret_only() -> None:
    old, new, other = new_secret(), new_secret(), new_secret()
    at = datetime.now(UTC)
    body = encode_envelope("ping", at, {"ok": True})
    headers = signed_headers(event_id="msg_1", body=body, secrets=[new, old], at=at)
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))
    assert Webhook(new).verify(body, headers) == Webhook(old).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body.replace("true", "false"), headers)


POLICY = RetryPolicy(DEFAULT_RETRY_SCHEDULE, jitter=0.2)


def result(status: int | None = None, retry_after: str | None = None) -> AttemptResult:
    error = None if status else "refused"
    return AttemptResult(NOW, 5.0, status_code=status, error_class=error, retry_after=retry_after)


@pytest.mark.parametrize(
    ("attempt", "status", "retry_after", "outcome", "wait"),
    [
        (1, 200, None, Outcome.SUCCEEDED, None),
        (1, 204, None, Outcome.SUCCEEDED, None),
        (1, 410, None, Outcome.GONE, None),
        (1, 302, None, Outcome.RETRY, 5),
        (2, 500, None, Outcome.RETRY, 300),
        (7, None, None, Outcome.RETRY, 36_000),
        (8, 500, None, Outcome.FAILED, None),
        (8, 429, "5", Outcome.FAILED, None),  # Retry-After cannot extend the schedule
        (1, 429, "120", Outcome.RETRY, 120),
        (3, 503, "0", Outcome.RETRY, 0),
        (1, 503, "soon", Outcome.RETRY, 5),
        (1, 500, "120", Outcome.RETRY, 5),  # only 429 and 503 carry a meaningful Retry-After
    ],
)
def test_decisions(
    attempt: int,
    status: int | None,
    retry_after: str | None,
    outcome: Outcome,
    wait: float | None,
) -> None:
    decision = decide(
        result(status, retry_after),
        attempt_number=attempt,
        policy=POLICY,
        now=NOW,
        rng=random.Random(1),
    )
    assert decision.outcome == outcome
    if wait is None:
        assert decision.next_attempt_at is None
        return
    assert decision.next_attempt_at is not None
    seconds = (decision.next_attempt_at - NOW).total_seconds()
    jittered = retry_after is None or status not in (429, 503) or retry_after == "soon"
    assert (wait * 0.8 <= seconds <= wait * 1.2) if jittered else seconds == wait


def test_jitter_spreads_within_twenty_percent() -> None:
    rng = random.Random(7)
    delays = [POLICY.delay(2, rng) or 0 for _ in range(2000)]
    assert 240 <= min(delays) < 250 and 350 < max(delays) <= 360


def test_retry_after_as_http_date() -> None:
    date = (NOW + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert retry_after_seconds(date, NOW) == 90
    assert retry_after_seconds("999999999", NOW) == 86_400  # bounded


@pytest.mark.parametrize(
    ("text", "seconds"), [("5s", 5), ("5m", 300), ("2h", 7200), ("1d", 86_400), ("0.2", 0.2)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_schedule_and_networks_settings() -> None:
    settings = Settings(
        webhook_retry_schedule="5s, 5m,30m",  # type: ignore[arg-type]
        webhook_allowed_networks="127.0.0.0/8, ::1",  # type: ignore[arg-type]
    )
    assert settings.webhook_retry_schedule == [5, 300, 1800]
    assert settings.webhook_allowed_networks == ["127.0.0.0/8", "::1"]
    assert Settings().webhook_retry_schedule == list(DEFAULT_RETRY_SCHEDULE)
    with pytest.raises(ValueError):
        Settings(webhook_allowed_networks="not-a-network")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Settings(webhook_retry_schedule="5x")  # type: ignore[arg-type]
