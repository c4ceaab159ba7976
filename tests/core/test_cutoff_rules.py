"""The pure cutoff rules: when a transition begins a cut, when recovery lifts it, what a
letter shows, and how subscription filters see cutoff events."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.cutoffs import NO_CUT, Cut, cut_begins, cut_ends_with_recovery, letter_of
from app.core.domain import Reason, TransitionSource
from app.core.events import EventType, Filters, matches

PROBE, OPERATOR = TransitionSource.PROBE, TransitionSource.OPERATOR
CITED = {"id": 3, "kind": "cutoff", "reference": "470/1234/Dukcapil", "issuer": "Dukcapil"}
DECLARED = {"rule": "declaration", "declaration": CITED, "observed_reason": "network.timeout"}
CUT = Cut(True, Reason.POLICY_SUSPECTED)


@pytest.mark.parametrize(
    ("cut", "reason", "evidence", "source", "expected"),
    [
        (NO_CUT, Reason.POLICY_CUTOFF, {"rule": "status_451"}, PROBE, EventType.CUTOFF_SUSPECTED),
        (NO_CUT, Reason.POLICY_SUSPECTED, {"rule": "link_cut"}, PROBE, EventType.CUTOFF_SUSPECTED),
        (NO_CUT, Reason.POLICY_CUTOFF, DECLARED, PROBE, EventType.CUTOFF_DECLARED),
        (CUT, Reason.POLICY_CUTOFF, {"rule": "status_451"}, PROBE, None),  # once per cut
        (NO_CUT, Reason.POLICY_CUTOFF, DECLARED, OPERATOR, None),  # the letter says it once
        (NO_CUT, Reason.NETWORK_TIMEOUT, {}, PROBE, None),
        (NO_CUT, Reason.OK, {}, PROBE, None),
    ],
)
def test_what_begins_a_cut(
    cut: Cut,
    reason: Reason,
    evidence: dict[str, Any],
    source: TransitionSource,
    expected: EventType | None,
) -> None:
    assert cut_begins(cut, reason=reason, evidence=evidence, source=source) == expected


@pytest.mark.parametrize(
    ("cut", "ended", "operational", "lifts"),
    [
        (CUT, True, True, True),
        (CUT, False, True, False),  # still in the episode
        (CUT, True, False, False),  # every service paused or reset: not a recovery
        (NO_CUT, True, True, False),  # lifted already (by its letter)
    ],
)
def test_what_recovery_lifts(cut: Cut, ended: bool, operational: bool, lifts: bool) -> None:
    assert cut_ends_with_recovery(cut, episode_ended=ended, region_operational=operational) is lifts


def test_the_cut_a_region_stands_in_follows_its_latest_cutoff_event() -> None:
    assert Cut.after(None, None) == NO_CUT
    assert Cut.after("cutoff.suspected", "policy.suspected") == CUT
    assert Cut.after("cutoff.declared", "policy.cutoff") == Cut(True, Reason.POLICY_CUTOFF)
    assert Cut.after("cutoff.lifted", "policy.cutoff") == NO_CUT


def test_a_letter_shows_only_its_public_fields() -> None:
    citation = CITED | {"issued_at": "2026-11-28T01:00:00+00:00", "url": None, "x": "private"}
    assert letter_of(citation) == {
        "declaration_id": 3,
        "kind": "cutoff",
        "reference": "470/1234/Dukcapil",
        "issuer": "Dukcapil",
        "date": "2026-11-28T01:00:00+00:00",
        "url": None,
        "letter_url": None,
    }
    linked = citation | {"letter_url": "https://pantau.test/api/v1/declarations/3/letter"}
    assert letter_of(linked)["letter_url"] == linked["letter_url"]  # type: ignore[index]
    assert letter_of(citation | {"letter_url": 7})["letter_url"] is None  # type: ignore[index]
    assert letter_of(None) is None


@pytest.mark.parametrize(
    ("filters", "wanted"),
    [
        (Filters(categories=("policy",)), True),
        (Filters(categories=("network",)), False),
        (Filters(event_types=("cutoff.declared", "cutoff.lifted")), True),
        (Filters(event_types=("cutoff.suspected",)), False),
        (Filters(region_prefixes=("73",)), True),
        (Filters(region_prefixes=("74",)), False),
        (Filters(coalesce_waves=True), True),
    ],
)
def test_filters_see_cutoff_events_as_policy(filters: Filters, wanted: bool) -> None:
    event = {"region_code": "73.73", "category": "policy", "reason": "policy.cutoff"}
    assert matches(filters, event_type="cutoff.declared", **event) is wanted
