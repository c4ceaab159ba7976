from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.attribution import ActiveWave, attribute
from app.core.domain import FailureKind, ProbeResult, Reason, Verdict
from app.core.waves import FailureSignature

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TIMED_OUT = ProbeResult(NOW, 5000.0, failure=FailureKind.DEADLINE)
ANSWERED_500 = ProbeResult(NOW, 12.0, status_code=500)
ANSWERED_403 = ProbeResult(NOW, 12.0, status_code=403)
PALOPO = "73.73"
WAVE = ActiveWave(
    3,
    Reason.UPSTREAM_CENTRAL,
    FailureSignature(Reason.NETWORK_REFUSED),
    frozenset({PALOPO}),
    onset=NOW - timedelta(minutes=2),
)


@pytest.mark.parametrize(
    ("verdict", "result", "impaired", "wave", "expected"),
    [
        (Verdict(Reason.NETWORK_TIMEOUT), TIMED_OUT, True, None, Reason.PROBE_UNHEALTHY),
        (Verdict(Reason.NETWORK_TIMEOUT), TIMED_OUT, True, WAVE, Reason.PROBE_UNHEALTHY),
        (Verdict(Reason.UPSTREAM_ERROR), ANSWERED_500, True, None, Reason.UPSTREAM_ERROR),
        (Verdict(Reason.NETWORK_REFUSED), TIMED_OUT, False, WAVE, Reason.UPSTREAM_CENTRAL),
        (Verdict(Reason.NETWORK_TIMEOUT), TIMED_OUT, False, None, Reason.NETWORK_TIMEOUT),
    ],
)
def test_attribution(
    verdict: Verdict,
    result: ProbeResult,
    impaired: bool,
    wave: ActiveWave | None,
    expected: Reason,
) -> None:
    out = attribute(verdict, result, monitor_impaired=impaired, wave=wave)
    assert out.reason == expected


def test_attribution_keeps_the_local_reason_and_the_wave_as_evidence() -> None:
    out = attribute(Verdict(Reason.NETWORK_REFUSED), TIMED_OUT, monitor_impaired=False, wave=WAVE)
    assert out.evidence == {"rule": "wave", "wave_id": 3, "local_reason": "network.refused"}


@pytest.mark.parametrize(
    ("standing", "since", "expected", "rule"),
    [
        # Ambon refused connections long before the wave began: its own fault, kept.
        (Reason.NETWORK_REFUSED, NOW - timedelta(hours=1), Reason.NETWORK_REFUSED, None),
        (Reason.NETWORK_REFUSED, None, Reason.NETWORK_REFUSED, None),
        # Written local moments before the wave was recognised: a member, corrected.
        (Reason.NETWORK_REFUSED, NOW - timedelta(seconds=10), Reason.UPSTREAM_CENTRAL,
         "wave_recognised"),
        # Healthy (or already read as central) before: the wave explains it.
        (Reason.OK, NOW - timedelta(hours=1), Reason.UPSTREAM_CENTRAL, "wave"),
        (Reason.UPSTREAM_CENTRAL, NOW - timedelta(hours=1), Reason.UPSTREAM_CENTRAL, "wave"),
        (None, None, Reason.UPSTREAM_CENTRAL, "wave"),
    ],
)  # fmt: skip
def test_a_failure_that_predates_the_wave_keeps_its_local_reason(
    standing: Reason | None, since: datetime | None, expected: Reason, rule: str | None
) -> None:
    out = attribute(
        Verdict(Reason.NETWORK_REFUSED),
        TIMED_OUT,
        monitor_impaired=False,
        wave=WAVE,
        standing_reason=standing,
        standing_since=since,
    )
    assert out.reason == expected
    assert out.evidence.get("rule") == rule


def test_a_wave_reason_without_a_wave_is_marked_ended() -> None:
    out = attribute(
        Verdict(Reason.NETWORK_REFUSED),
        TIMED_OUT,
        monitor_impaired=False,
        standing_reason=Reason.NETWORK_BACKBONE,
    )
    assert (out.reason, out.evidence["wave_ended"]) == (Reason.NETWORK_REFUSED, True)
