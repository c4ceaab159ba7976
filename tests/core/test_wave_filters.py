"""Subscription filters and wave events, pure: wave.* types are filterable, a wave event
matches a region filter through its members, and `coalesce_waves` drops the members'
service.* events caused by the wave, and only those."""

from __future__ import annotations

import pytest

from app.core.events import EventType, Filters, matches

COALESCING = Filters(coalesce_waves=True)
MALUKU_ONLY = Filters(region_prefixes=("81",))


@pytest.mark.parametrize(
    ("filters", "event_type", "region", "reason", "regions", "wanted"),
    [
        (COALESCING, "service.outage", "81.01", "network.backbone", (), False),
        (COALESCING, "service.outage", "81.01", "upstream.central", (), False),
        (COALESCING, "service.reason_changed", "81.01", "upstream.central", (), False),
        (COALESCING, "service.outage", "81.01", "network.timeout", (), True),
        (COALESCING, "service.operational", "81.01", "ok", (), True),
        (COALESCING, "wave.started", None, None, ("81.01", "81.02"), True),
        (Filters(), "service.outage", "81.01", "network.backbone", (), True),
        (MALUKU_ONLY, "wave.started", None, None, ("81.01", "81.02"), True),
        (MALUKU_ONLY, "wave.started", None, None, ("91.03", "91.05"), False),
        (MALUKU_ONLY, "wave.ended", None, None, (), True),  # a replayed event names none
        (Filters(event_types=("wave.started",)), "wave.updated", None, None, ("81.01",), False),
        (Filters(event_types=("wave.updated",)), "wave.updated", None, None, ("81.01",), True),
    ],
)
def test_wave_filters(
    filters: Filters,
    event_type: str,
    region: str | None,
    reason: str | None,
    regions: tuple[str, ...],
    wanted: bool,
) -> None:
    verdict = matches(
        filters,
        event_type=event_type,
        region_code=region,
        category=None,
        reason=reason,
        regions=regions,
    )
    assert verdict is wanted


def test_the_wave_event_types_are_subscribable() -> None:
    assert {"wave.started", "wave.updated", "wave.ended"} <= {str(t) for t in EventType}
