"""Coverage, "monitored since" and the verdict on a window's percentage (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.domain import Reason, State
from app.core.uptime_coverage import (
    FULL_COVERAGE,
    MEANINGFUL_COVERAGE,
    Verdict,
    coverage,
    coverage_of,
    coverage_ratio,
    monitored_since,
    verdict,
)
from app.core.uptime_maths import Mark, service_spans, uptime

DAY = 86_400.0
T = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("observed", "window", "ratio", "expected"),
    [
        (0.0, 30 * DAY, 0.0, Verdict.NO_DATA),
        (-5.0, DAY, 0.0, Verdict.NO_DATA),
        (60.0, 0.0, 0.0, Verdict.NO_DATA),
        (67.8, 30 * DAY, 67.8 / (30 * DAY), Verdict.TOO_LITTLE),  # the Palopo minute
        (10 * DAY, 30 * DAY, 1 / 3, Verdict.TOO_LITTLE),
        (15 * DAY, 30 * DAY, 0.5, Verdict.PARTIAL),
        (DAY - 87, DAY, (DAY - 87) / DAY, Verdict.PARTIAL),
        (DAY - 86, DAY, (DAY - 86) / DAY, Verdict.FULL),
        (DAY, DAY, 1.0, Verdict.FULL),
        (2 * DAY, DAY, 1.0, Verdict.FULL),  # clipped: never above the window
    ],
)
def test_ratio_and_verdict(observed: float, window: float, ratio: float, expected: Verdict) -> None:
    assert coverage_ratio(observed, window) == pytest.approx(ratio)
    assert verdict(observed, window) == expected
    assert expected.meaningful == (expected in (Verdict.PARTIAL, Verdict.FULL))
    found = coverage(observed, window)
    assert 0.0 <= found.ratio <= 1.0 and found.observed_seconds <= max(window, 0.0)


def test_thresholds_are_half_and_nearly_all() -> None:
    assert (MEANINGFUL_COVERAGE, FULL_COVERAGE) == (0.5, 0.999)
    assert verdict(0.4999 * DAY, DAY) == Verdict.TOO_LITTLE and not Verdict.TOO_LITTLE.meaningful


def test_coverage_of_a_window_counts_only_time_after_the_first_transition() -> None:
    end = T + timedelta(days=30)
    marks = [
        Mark(end - timedelta(seconds=60), State.OPERATIONAL, Reason.OK),
        Mark(end - timedelta(seconds=6), State.OUTAGE, Reason.NETWORK_TIMEOUT),
    ]
    result = uptime(service_spans(marks, start=T, end=end), start=T, end=end)
    found = coverage_of(result)
    assert result.observed_seconds == pytest.approx(60.0)
    assert found.ratio == pytest.approx(60 / (30 * DAY)) and found.verdict == Verdict.TOO_LITTLE
    assert coverage_of(uptime([], start=T, end=end)).verdict == Verdict.NO_DATA


def test_monitored_since_is_the_earliest_first_transition() -> None:
    assert monitored_since([]) is None and monitored_since([None, None]) is None
    later, earlier = T + timedelta(hours=3), T - timedelta(days=2)
    assert monitored_since([later, None, earlier]) == earlier
