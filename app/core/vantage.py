"""Verdict → Verdict, seen from inside the office too: two-path attribution and quorum. Pure.

A central prober cannot tell a cut VPN link from a dead office network: both are timeouts
from outside. An agent inside the office probes two paths, the central system (over the VPN)
and public reference targets, plus the office's own service:

- public reachable, central path failing   → `policy.suspected` (the link was cut)
- nothing reachable from inside            → `network.office`
- everything reachable from inside         → `network.path` (between Pantau and the office)

Only a central verdict that is a transport failure (`network.*`) is read this way: an HTTP
answer proves the path works. Passing verdicts are never changed, so agents alone never put a
region in outage.

Quorum: every vantage point (the central prober and each live agent) votes on whether the
region is reachable. A failing verdict moves the region only when at least `quorum` of them
(or all of them, when fewer vote) see it failing; otherwise it becomes `probe.unhealthy` with
the dispute as evidence, which moves no state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.core.domain import Category, Reason, Verdict

MAX_POINTS_IN_EVIDENCE = 10
CENTRAL_POINT = "central"


class Role(StrEnum):
    """What an agent's target stands for."""

    CENTRAL = "central"  # the central system, over the office's VPN link
    OFFICE = "office"  # the office's own service
    PUBLIC = "public"  # a public reference target on the internet


class Reading(StrEnum):
    """One agent's reading of its region, from what it reaches."""

    LINK_CUT = "link_cut"
    OFFICE_DOWN = "office_down"
    INSIDE_OK = "inside_ok"
    SERVICE_DOWN = "service_down"
    UNKNOWN = "unknown"


_READING_REASON = {
    Reading.LINK_CUT: Reason.POLICY_SUSPECTED,
    Reading.OFFICE_DOWN: Reason.NETWORK_OFFICE,
    Reading.INSIDE_OK: Reason.NETWORK_PATH,
}
# Among agents that disagree, the most common reading wins; ties go to the first here.
_READING_PRECEDENCE = (Reading.LINK_CUT, Reading.OFFICE_DOWN, Reading.INSIDE_OK)


@dataclass(frozen=True, slots=True)
class VantageRules:
    quorum: int = 1
    stale_after_seconds: float = 180.0


@dataclass(frozen=True, slots=True)
class AgentView:
    """An agent's latest results, by role: True when some target of the role answered."""

    agent_id: int
    name: str
    reachable: Mapping[Role, bool] = field(default_factory=dict)
    observed_at: datetime | None = None

    @property
    def point(self) -> str:
        return f"agent:{self.agent_id}"


def reading(view: AgentView) -> Reading:
    central = view.reachable.get(Role.CENTRAL)
    office = view.reachable.get(Role.OFFICE)
    public = view.reachable.get(Role.PUBLIC)
    if central is False:
        if public is None:
            return Reading.UNKNOWN
        return Reading.LINK_CUT if public else Reading.OFFICE_DOWN
    if office is False:
        return Reading.SERVICE_DOWN
    if office is True and public is not False:
        return Reading.INSIDE_OK
    return Reading.UNKNOWN


def sees_failure(view: AgentView) -> bool | None:
    """The agent's vote: True when citizens at the office cannot be served (the central path
    or the office's service unreachable); None when it probes neither."""
    votes = [view.reachable[role] for role in (Role.CENTRAL, Role.OFFICE) if role in view.reachable]
    return None if not votes else not all(votes)


@dataclass(frozen=True, slots=True)
class Tally:
    failing: list[str]
    passing: list[str]
    required: int

    @property
    def agreed(self) -> bool:
        return len(self.failing) >= self.required


def tally(views: Sequence[AgentView], rules: VantageRules) -> Tally:
    """The central prober's vote (failing: only failing verdicts are tallied) and the agents'."""
    failing: list[str] = [CENTRAL_POINT]
    passing: list[str] = []
    for view in views:
        vote = sees_failure(view)
        if vote is not None:
            (failing if vote else passing).append(view.point)
    voters = len(failing) + len(passing)
    return Tally(failing, passing, required=max(1, min(rules.quorum, voters)))


def majority_reading(views: Sequence[AgentView]) -> Reading:
    counts = Counter(reading(view) for view in views)
    ranked = [r for r in _READING_PRECEDENCE if counts[r]]
    return max(ranked, key=lambda r: counts[r]) if ranked else Reading.UNKNOWN


def combine(verdict: Verdict, views: Sequence[AgentView], rules: VantageRules) -> Verdict:
    """The central verdict, attributed by the agents' readings and gated by the quorum."""
    if not views or verdict.reason.category != Category.NETWORK:
        return verdict
    votes = tally(views, rules)
    agreed = majority_reading(views)
    evidence = verdict.evidence | {"vantage": _vantage_evidence(verdict, views, votes, agreed)}
    if not votes.agreed:
        disputed = {"rule": "no_quorum", "observed_reason": str(verdict.reason)}
        return Verdict(Reason.PROBE_UNHEALTHY, evidence | disputed)
    reason = _READING_REASON.get(agreed)
    if reason is None:
        return Verdict(verdict.reason, evidence)
    attributed = {"rule": f"two_path_{agreed}", "central_reason": str(verdict.reason)}
    return Verdict(reason, evidence | attributed)


def _vantage_evidence(
    verdict: Verdict, views: Sequence[AgentView], votes: Tally, agreed: Reading
) -> dict[str, Any]:
    central = {
        "id": CENTRAL_POINT,
        "failing": True,
        "saw": str(verdict.reason),
        "rule": verdict.evidence.get("rule"),
    }
    points = [central] + [_point(view) for view in views[: MAX_POINTS_IN_EVIDENCE - 1]]
    return {
        "reading": str(agreed),
        "quorum": {
            "required": votes.required,
            "failing": len(votes.failing),
            "passing": len(votes.passing),
            "agreed": votes.agreed,
        },
        "dissenting": votes.passing if votes.agreed else votes.failing,
        "points": points,
    }


def _point(view: AgentView) -> dict[str, Any]:
    return {
        "id": view.point,
        "name": view.name,
        "failing": sees_failure(view),
        "reading": str(reading(view)),
        "saw": {
            str(role): "reachable" if ok else "unreachable"
            for role, ok in sorted(view.reachable.items())
        },
        "observed_at": view.observed_at.isoformat() if view.observed_at else None,
    }
