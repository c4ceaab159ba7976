from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.domain import Reason, State
from app.core.regions.status import RegionState, ServiceState, summarise

T1 = datetime(2026, 1, 1, 8, tzinfo=UTC)
T2 = datetime(2026, 1, 1, 9, tzinfo=UTC)
OK = ServiceState(State.OPERATIONAL, Reason.OK, T1)
DOWN_EARLY = ServiceState(State.OUTAGE, Reason.NETWORK_TIMEOUT, T1)
DOWN_LATE = ServiceState(State.OUTAGE, Reason.POLICY_CUTOFF, T2)
SLOW = ServiceState(State.DEGRADED, Reason.PERFORMANCE_SLOW, T2)
MAINT = ServiceState(State.MAINTENANCE, Reason.MAINTENANCE_SCHEDULED, T2)
NEW = ServiceState(State.UNKNOWN, None, None)


@pytest.mark.parametrize(
    ("services", "expected"),
    [
        ([], RegionState(State.UNKNOWN, None, None)),
        ([NEW], RegionState(State.UNKNOWN, None, None)),
        ([NEW, OK], RegionState(State.OPERATIONAL, Reason.OK, T1)),
        ([OK, SLOW], RegionState(State.DEGRADED, Reason.PERFORMANCE_SLOW, T2)),
        ([SLOW, MAINT], RegionState(State.MAINTENANCE, Reason.MAINTENANCE_SCHEDULED, T2)),
        ([MAINT, DOWN_LATE], RegionState(State.OUTAGE, Reason.POLICY_CUTOFF, T2)),
        ([DOWN_LATE, OK, DOWN_EARLY], RegionState(State.OUTAGE, Reason.NETWORK_TIMEOUT, T1)),
    ],
)
def test_region_is_its_worst_service_since_the_earliest(
    services: list[ServiceState], expected: RegionState
) -> None:
    assert summarise(services) == expected
