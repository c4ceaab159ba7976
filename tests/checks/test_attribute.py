from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.attribution import WaveRule, attribute, is_central_wave
from app.core.domain import FailureKind, ProbeResult, Reason, Verdict

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TIMED_OUT = ProbeResult(NOW, 5000.0, failure=FailureKind.DEADLINE)
ANSWERED_500 = ProbeResult(NOW, 12.0, status_code=500)
ANSWERED_403 = ProbeResult(NOW, 12.0, status_code=403)


@pytest.mark.parametrize(
    ("failing", "monitored", "expected"),
    [(10, 20, True), (6, 20, True), (5, 20, False), (3, 4, False), (1, 1, False), (0, 0, False)],
)
def test_wave_needs_a_share_of_enough_regions(failing: int, monitored: int, expected: bool) -> None:
    assert is_central_wave(failing, monitored, WaveRule(share=0.3, min_regions=5)) is expected


@pytest.mark.parametrize(
    ("verdict", "result", "impaired", "wave", "expected"),
    [
        (Verdict(Reason.NETWORK_TIMEOUT), TIMED_OUT, True, False, Reason.PROBE_UNHEALTHY),
        (Verdict(Reason.NETWORK_TIMEOUT), TIMED_OUT, True, True, Reason.PROBE_UNHEALTHY),
        (Verdict(Reason.UPSTREAM_ERROR), ANSWERED_500, True, False, Reason.UPSTREAM_ERROR),
        (Verdict(Reason.NETWORK_TIMEOUT), TIMED_OUT, False, True, Reason.UPSTREAM_CENTRAL),
        (Verdict(Reason.UPSTREAM_ERROR), ANSWERED_500, False, True, Reason.UPSTREAM_CENTRAL),
        (Verdict(Reason.POLICY_SUSPECTED), ANSWERED_403, False, True, Reason.POLICY_SUSPECTED),
        (Verdict(Reason.OK), ANSWERED_500, False, True, Reason.OK),
        (Verdict(Reason.NETWORK_TIMEOUT), TIMED_OUT, False, False, Reason.NETWORK_TIMEOUT),
    ],
)
def test_attribution(
    verdict: Verdict, result: ProbeResult, impaired: bool, wave: bool, expected: Reason
) -> None:
    out = attribute(verdict, result, monitor_impaired=impaired, central_wave=wave)
    assert out.reason == expected


def test_attribution_keeps_the_local_reason_as_evidence() -> None:
    out = attribute(
        Verdict(Reason.NETWORK_REFUSED), TIMED_OUT, monitor_impaired=False, central_wave=True
    )
    assert out.evidence["local_reason"] == "network.refused"


@pytest.mark.parametrize(
    ("verdict", "standing", "expected"),
    [
        # Ambon refused connections before the wave began: its own fault, kept.
        (Reason.NETWORK_REFUSED, Reason.NETWORK_REFUSED, Reason.NETWORK_REFUSED),
        # Healthy (or already read as central) before: the wave explains it.
        (Reason.NETWORK_REFUSED, Reason.OK, Reason.UPSTREAM_CENTRAL),
        (Reason.UPSTREAM_ERROR, Reason.UPSTREAM_CENTRAL, Reason.UPSTREAM_CENTRAL),
        # A new kind of failure in the middle of the wave belongs to the wave.
        (Reason.UPSTREAM_ERROR, Reason.NETWORK_REFUSED, Reason.UPSTREAM_CENTRAL),
        (Reason.NETWORK_TIMEOUT, None, Reason.UPSTREAM_CENTRAL),
    ],
)
def test_a_failure_that_predates_the_wave_keeps_its_local_reason(
    verdict: Reason, standing: Reason | None, expected: Reason
) -> None:
    out = attribute(
        Verdict(verdict),
        TIMED_OUT,
        monitor_impaired=False,
        central_wave=True,
        standing_reason=standing,
    )
    assert out.reason == expected
