"""The pure region-event rules: which change of a region is announced as what, the service
counts, public evidence only, and wave coalescing of region events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.domain import Reason, State
from app.core.events import EventType, Filters, matches
from app.core.region_events import RegionChange, RegionSnapshot, region_data, region_event_type
from app.core.regions.status import RegionState, ServiceState

T = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
S, R, E = State, Reason, EventType


def region(state: State, reason: Reason | None = None) -> RegionState:
    return RegionState(state, reason, T)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (region(S.UNKNOWN), region(S.OPERATIONAL, R.OK), E.REGION_OPERATIONAL),
        (region(S.OPERATIONAL, R.OK), region(S.OUTAGE, R.NETWORK_TIMEOUT), E.REGION_OUTAGE),
        (region(S.OPERATIONAL, R.OK), region(S.DEGRADED, R.PERFORMANCE_SLOW), E.REGION_DEGRADED),
        (
            region(S.OUTAGE, R.NETWORK_TIMEOUT),
            region(S.MAINTENANCE, R.MAINTENANCE_SCHEDULED),
            E.REGION_MAINTENANCE,
        ),
        (
            region(S.OUTAGE, R.NETWORK_TIMEOUT),
            region(S.OUTAGE, R.POLICY_CUTOFF),
            E.REGION_REASON_CHANGED,
        ),
        (region(S.OUTAGE, R.NETWORK_TIMEOUT), region(S.OUTAGE, R.NETWORK_TIMEOUT), None),
        (region(S.OPERATIONAL, R.OK), region(S.UNKNOWN), None),  # all paused: says nothing
    ],
)
def test_which_change_is_announced(
    before: RegionState, after: RegionState, expected: EventType | None
) -> None:
    assert region_event_type(before, after) == expected


def test_the_snapshot_counts_affected_services_and_keeps_the_longest_reason() -> None:
    services = [
        ServiceState(S.OPERATIONAL, R.OK, T),
        ServiceState(S.OUTAGE, R.UPSTREAM_ERROR, T.replace(minute=5)),
        ServiceState(S.OUTAGE, R.NETWORK_TIMEOUT, T.replace(minute=1)),
        ServiceState(S.DEGRADED, R.PERFORMANCE_SLOW, T),
    ]
    snapshot = RegionSnapshot.of(services)
    assert (snapshot.affected, snapshot.total) == (3, 4)
    assert snapshot.summary == RegionState(S.OUTAGE, R.NETWORK_TIMEOUT, T.replace(minute=1))


def test_region_data_shows_public_evidence_only() -> None:
    change = RegionChange(
        region_code="73.73",
        region=None,
        before=region(S.OPERATIONAL, R.OK),
        after=RegionSnapshot(region(S.OUTAGE, R.UPSTREAM_ERROR), affected=1, total=1),
        incident_id=7,
        at=T,
        transition_id=40,
        service_id=12,
        evidence={"rule": "status_5xx", "status_code": 500, "body_excerpt": "db password=x"},
    )
    data = region_data(change)
    assert data["cause"] == {
        "transition_id": 40,
        "service_id": 12,
        "evidence": {"rule": "status_5xx", "status_code": 500},
    }
    assert (data["state"], data["previous_state"], data["category"]) == (
        "outage",
        "operational",
        "upstream",
    )
    assert data["reason_label"] == {"id": "Gangguan server", "en": "Server error"}


@pytest.mark.parametrize(
    ("reason", "coalesce", "wanted"),
    [
        ("upstream.central", True, False),  # the wave's event says it
        ("upstream.central", False, True),
        ("network.timeout", True, True),
        ("ok", True, True),
    ],
)
def test_coalescing_subscribers_hear_a_wave_instead_of_its_regions(
    reason: str, coalesce: bool, wanted: bool
) -> None:
    filters = Filters(coalesce_waves=coalesce)
    event = {"region_code": "73.73", "category": reason.split(".")[0], "reason": reason}
    assert matches(filters, event_type="region.outage", **event) is wanted
