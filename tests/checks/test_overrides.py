"""Declarations and maintenance windows over verdicts, as a table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.domain import Reason, Verdict
from app.core.overrides import DeclaredCause, Overrides, ScheduledWindow, override
from app.core.windows import Occurrence

T = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CUTOFF = DeclaredCause(Reason.POLICY_CUTOFF, {"id": 1, "reference": "400.8/1234"})
WINDOW = ScheduledWindow(
    window_id=7,
    title="Migrasi data",
    regions=("73",),
    service_ids=frozenset({42}),
    occurrences=(Occurrence(T - timedelta(hours=1), T + timedelta(hours=1)),),
)
BOTH = Overrides(declarations={"73.73": CUTOFF}, windows=[WINDOW])


@pytest.mark.parametrize(
    ("reason", "service_id", "region", "at", "overrides", "expected", "rule"),
    [
        (Reason.NETWORK_TIMEOUT, 1, "73.73", T, BOTH, Reason.POLICY_CUTOFF, "declaration"),
        (Reason.UPSTREAM_ERROR, 1, "73.73", T, BOTH, Reason.POLICY_CUTOFF, "declaration"),
        (Reason.OK, 1, "73.73", T, BOTH, Reason.OK, "t"),  # probes outrank paperwork
        (Reason.PERFORMANCE_SLOW, 1, "73.73", T, BOTH, Reason.PERFORMANCE_SLOW, "t"),
        (Reason.PROBE_UNHEALTHY, 1, "73.73", T, BOTH, Reason.PROBE_UNHEALTHY, "t"),
        # Luwu is in province 73, which the window covers; the cutoff is Palopo's alone.
        (
            Reason.NETWORK_TIMEOUT,
            1,
            "73.17",
            T,
            BOTH,
            Reason.MAINTENANCE_SCHEDULED,
            "maintenance_window",
        ),
        (
            Reason.NETWORK_TIMEOUT,
            1,
            "73.17",
            T + timedelta(hours=1),
            BOTH,
            Reason.NETWORK_TIMEOUT,
            "t",
        ),
        (Reason.NETWORK_TIMEOUT, 1, "74.71", T, BOTH, Reason.NETWORK_TIMEOUT, "t"),
        (
            Reason.NETWORK_TIMEOUT,
            42,
            "74.71",
            T,
            BOTH,
            Reason.MAINTENANCE_SCHEDULED,
            "maintenance_window",
        ),
        (Reason.NETWORK_TIMEOUT, 1, "7", T, BOTH, Reason.NETWORK_TIMEOUT, "t"),
        (Reason.NETWORK_TIMEOUT, 1, "73.73", T, Overrides(), Reason.NETWORK_TIMEOUT, "t"),
    ],
)
def test_override(
    reason: Reason,
    service_id: int,
    region: str,
    at: datetime,
    overrides: Overrides,
    expected: Reason,
    rule: str,
) -> None:
    verdict = override(
        Verdict(reason, {"rule": "t"}),
        service_id=service_id,
        region_code=region,
        at=at,
        overrides=overrides,
    )
    assert verdict.reason == expected
    assert verdict.evidence["rule"] == rule
    if expected != reason:
        assert verdict.evidence["observed_reason"] == str(reason)


def test_evidence_cites_the_declaration_and_the_window() -> None:
    timeout = Verdict(Reason.NETWORK_TIMEOUT, {"rule": "t"})
    declared = override(timeout, service_id=1, region_code="73.73", at=T, overrides=BOTH)
    assert declared.evidence["declaration"] == {"id": 1, "reference": "400.8/1234"}
    scheduled = override(timeout, service_id=1, region_code="73.17", at=T, overrides=BOTH)
    assert scheduled.evidence["maintenance"] == {
        "id": 7,
        "title": "Migrasi data",
        "starts_at": "2026-12-01T01:00:00+00:00",
        "ends_at": "2026-12-01T03:00:00+00:00",
    }
