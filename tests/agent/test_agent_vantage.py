"""Two-path attribution and quorum (app/core/vantage.py): scenario tables."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.domain import Reason, Verdict
from app.core.vantage import (
    AgentView,
    Reading,
    Role,
    VantageRules,
    combine,
    reading,
    sees_failure,
)

CEN, OFF, PUB = Role.CENTRAL, Role.OFFICE, Role.PUBLIC
AT = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
TIMEOUT = Verdict(Reason.NETWORK_TIMEOUT, {"rule": "transport_connect_timeout"})


def view(agent_id: int = 1, **reachable: bool) -> AgentView:
    return AgentView(agent_id, f"agent {agent_id}", {Role(k): v for k, v in reachable.items()}, AT)


@pytest.mark.parametrize(
    ("reachable", "expected"),
    [
        ({CEN: False, OFF: True, PUB: True}, Reading.LINK_CUT),
        ({CEN: False, PUB: True}, Reading.LINK_CUT),
        ({CEN: False, OFF: False, PUB: False}, Reading.OFFICE_DOWN),
        ({CEN: False, OFF: True, PUB: False}, Reading.OFFICE_DOWN),  # LAN up, uplink down
        ({CEN: True, OFF: True, PUB: True}, Reading.INSIDE_OK),
        ({OFF: True}, Reading.INSIDE_OK),  # an outside vantage point that reaches the office
        ({CEN: True, OFF: False, PUB: True}, Reading.SERVICE_DOWN),
        ({CEN: False}, Reading.UNKNOWN),  # no public target: cannot tell a cut from a dead link
        ({CEN: True, PUB: True}, Reading.UNKNOWN),
        ({}, Reading.UNKNOWN),
    ],
)
def test_an_agent_reads_its_region_from_what_it_reaches(
    reachable: dict[Role, bool], expected: Reading
) -> None:
    assert reading(AgentView(1, "a", reachable, AT)) is expected


@pytest.mark.parametrize(
    ("reachable", "vote"),
    [
        ({CEN: True, OFF: True, PUB: True}, False),
        ({CEN: False, OFF: True, PUB: True}, True),
        ({CEN: True, OFF: False}, True),
        ({PUB: False}, None),  # probes neither the central path nor the office: no vote
    ],
)
def test_an_agent_votes_on_whether_the_office_can_serve(
    reachable: dict[Role, bool], vote: bool | None
) -> None:
    assert sees_failure(AgentView(1, "a", reachable, AT)) is vote


@pytest.mark.parametrize(
    ("views", "reason", "rule"),
    [
        (
            [view(central=False, office=True, public=True)],
            Reason.POLICY_SUSPECTED,
            "two_path_link_cut",
        ),
        (
            [view(central=False, office=False, public=False)],
            Reason.NETWORK_OFFICE,
            "two_path_office_down",
        ),
        ([view(central=True, office=True, public=True)], Reason.NETWORK_PATH, "two_path_inside_ok"),
        # the office's own service is down inside too: the central prober's reason stands
        (
            [view(central=True, office=False, public=True)],
            Reason.NETWORK_TIMEOUT,
            "transport_connect_timeout",
        ),
        # two agents see a cut, one sees a dead network: the majority reading wins
        (
            [
                view(1, central=False, public=True),
                view(2, central=False, public=True),
                view(3, central=False, public=False),
            ],
            Reason.POLICY_SUSPECTED,
            "two_path_link_cut",
        ),
    ],
)
def test_two_path_attribution_of_a_central_transport_failure(
    views: list[AgentView], reason: Reason, rule: str
) -> None:
    combined = combine(TIMEOUT, views, VantageRules(quorum=1))
    assert combined.reason is reason
    assert combined.evidence["rule"] == rule
    points = combined.evidence["vantage"]["points"]
    assert points[0] == {
        "id": "central",
        "failing": True,
        "saw": "network.timeout",
        "rule": "transport_connect_timeout",
    }
    assert [p["id"] for p in points[1:]] == [v.point for v in views]
    assert points[1]["saw"] == {
        str(role): "reachable" if ok else "unreachable"
        for role, ok in sorted(views[0].reachable.items())
    }


def test_the_evidence_names_the_agents_reading_and_when_it_was_observed() -> None:
    combined = combine(TIMEOUT, [view(7, central=False, office=True, public=True)], VantageRules())
    agent = combined.evidence["vantage"]["points"][1]
    assert agent["id"] == "agent:7" and agent["name"] == "agent 7"
    assert agent["reading"] == "link_cut" and agent["failing"] is True
    assert agent["observed_at"] == AT.isoformat()
    assert combined.evidence["central_reason"] == "network.timeout"


@pytest.mark.parametrize(
    "verdict",
    [
        Verdict(Reason.OK, {"rule": "ok"}),
        Verdict(Reason.UPSTREAM_ERROR, {"rule": "status_5xx"}),  # an answer: the path works
        Verdict(Reason.POLICY_SUSPECTED, {"rule": "policy_marker"}),
        Verdict(Reason.PROBE_UNHEALTHY, {"rule": "control_targets_failing"}),
        Verdict(Reason.UPSTREAM_CENTRAL, {"rule": "central_wave"}),
    ],
)
def test_only_transport_failures_are_read_through_the_agents(verdict: Verdict) -> None:
    assert (
        combine(verdict, [view(central=False, office=False, public=False)], VantageRules(quorum=2))
        == verdict
    )


def test_without_agents_the_central_verdict_stands_whatever_the_quorum() -> None:
    assert combine(TIMEOUT, [], VantageRules(quorum=3)) == TIMEOUT


# Three vantage points (the central prober and two agents), quorum 2.
QUORUM_2 = VantageRules(quorum=2)


def test_quorum_one_dissenter_alone_does_not_move_the_region() -> None:
    """The central prober fails; both agents inside reach everything."""
    views = [
        view(1, central=True, office=True, public=True),
        view(2, central=True, office=True, public=True),
    ]
    combined = combine(TIMEOUT, views, QUORUM_2)
    assert combined.reason is Reason.PROBE_UNHEALTHY  # moves no state
    assert combined.evidence["rule"] == "no_quorum"
    assert combined.evidence["observed_reason"] == "network.timeout"
    vantage = combined.evidence["vantage"]
    assert vantage["quorum"] == {"required": 2, "failing": 1, "passing": 2, "agreed": False}
    assert vantage["dissenting"] == ["central"]


def test_quorum_two_of_three_agree_and_the_dissenter_is_named() -> None:
    views = [
        view(1, central=False, office=True, public=True),
        view(2, central=True, office=True, public=True),
    ]
    combined = combine(TIMEOUT, views, QUORUM_2)
    assert combined.reason is Reason.POLICY_SUSPECTED
    vantage = combined.evidence["vantage"]
    assert vantage["quorum"] == {"required": 2, "failing": 2, "passing": 1, "agreed": True}
    assert vantage["dissenting"] == ["agent:2"]


def test_quorum_is_capped_by_the_vantage_points_that_vote() -> None:
    """Quorum 3 with only two voters: both must agree, and then they are enough."""
    combined = combine(
        TIMEOUT, [view(1, central=False, office=False, public=False)], VantageRules(quorum=3)
    )
    assert combined.reason is Reason.NETWORK_OFFICE
    assert combined.evidence["vantage"]["quorum"]["required"] == 2
    # an agent without a vote (public targets only) does not count toward the quorum
    mute = combine(TIMEOUT, [view(1, public=True)], VantageRules(quorum=2))
    assert mute.reason is Reason.NETWORK_TIMEOUT
    assert mute.evidence["vantage"]["quorum"]["required"] == 1
