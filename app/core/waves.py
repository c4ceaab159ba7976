"""Failing regions → waves: one failure signature shared by enough regions at once reads as
`upstream.central` (national) or `network.backbone` (one island group). Pure.

- Only failures with the same signature correlate; seven regions failing seven ways are seven
  local faults, never a national outage.
- National: the signature spans at least `national_min_groups` island groups, at least
  `national_share` of all monitored regions and at least `national_min_regions` regions. A
  national signature gives one national wave and no island-group waves.
- Island group: otherwise, each island group where the signature holds at least
  `group_min_regions` regions and `group_share` of the group's monitored regions is a wave —
  provided the signature is concentrated there: its failures outside those groups are at most
  `outside_share` of all its failures. A cut spanning two neighbouring groups (Maluku and
  Papua) is therefore two island-group waves, one per group. A group's wave, once standing,
  is not ended by failures elsewhere while its own group stays dense.
- Anything else is local: no finding, each region keeps its own reason.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.core.domain import Category, ProbeResult, Reason, Verdict

# Two regions failing alike is a coincidence, not a wave, whatever the configured rules say.
MIN_WAVE_REGIONS = 3

CORRELATING_CATEGORIES = frozenset({Category.NETWORK, Category.UPSTREAM})
WAVE_REASONS = frozenset({Reason.UPSTREAM_CENTRAL, Reason.NETWORK_BACKBONE})


class IslandGroup(StrEnum):
    """The first digit of a province code: Kemendagri numbers provinces by island group."""

    SUMATERA = "1"
    JAWA = "3"
    BALI_NUSA_TENGGARA = "5"
    KALIMANTAN = "6"
    SULAWESI = "7"
    MALUKU = "8"
    PAPUA = "9"

    @property
    def label_id(self) -> str:
        return _GROUP_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _GROUP_LABELS[self][1]


_GROUP_LABELS = {
    IslandGroup.SUMATERA: ("Sumatera", "Sumatra"),
    IslandGroup.JAWA: ("Jawa", "Java"),
    IslandGroup.BALI_NUSA_TENGGARA: ("Bali dan Nusa Tenggara", "Bali and Nusa Tenggara"),
    IslandGroup.KALIMANTAN: ("Kalimantan", "Kalimantan"),
    IslandGroup.SULAWESI: ("Sulawesi", "Sulawesi"),
    IslandGroup.MALUKU: ("Maluku", "Maluku"),
    IslandGroup.PAPUA: ("Papua", "Papua"),
}

# Kepulauan Riau (21) split from Riau (14) in 2002 and took a code of its own; it is Sumatera.
_GROUP_BY_DIGIT = {group.value: group for group in IslandGroup} | {"2": IslandGroup.SUMATERA}


def island_group_of(region_code: str) -> IslandGroup:
    """The island group of a province (`73`) or regency/city (`73.73`) code."""
    group = _GROUP_BY_DIGIT.get(region_code[:1])
    if group is None:
        raise ValueError(f"region code {region_code!r} belongs to no island group")
    return group


@dataclass(frozen=True, slots=True)
class FailureSignature:
    """What makes two failures "the same": the reason, and for upstream answers the status code
    with either the body's fingerprint or (no body) the classifier rule that fired."""

    reason: Reason
    status_code: int | None = None
    body: str | None = None
    rule: str | None = None

    @property
    def key(self) -> str:
        """A stable text key: the same signature gives the same key in every process."""
        parts = (self.reason, self.status_code, self.body, self.rule)
        return "|".join("" if part is None else str(part) for part in parts)[:200]

    @classmethod
    def from_key(cls, key: str) -> FailureSignature:
        reason, status_code, body, rule = key.split("|", 3)
        return cls(
            Reason(reason), int(status_code) if status_code else None, body or None, rule or None
        )


def probe_signature(verdict: Verdict, result: ProbeResult) -> FailureSignature | None:
    """The classifier's verdict on one probe as a signature (the body only as a hash)."""
    if verdict.reason.category not in CORRELATING_CATEGORIES:
        return None
    rule = verdict.evidence.get("rule")
    return signature_of(
        verdict.reason,
        rule=rule if isinstance(rule, str) else None,
        status_code=result.status_code,
        body_fingerprint=body_fingerprint(result.body_excerpt),
    )


def body_fingerprint(excerpt: str) -> str:
    """12 hex chars of the whitespace-normalised body; "" for an empty body (nothing to match)."""
    normalised = " ".join(excerpt.split())
    if not normalised:
        return ""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:12]


def signature_of(
    reason: Reason, *, rule: str | None, status_code: int | None, body_fingerprint: str | None
) -> FailureSignature | None:
    """None for reasons that never correlate: healthy, slow, planned, declared, the monitor's
    own faults, and the wave reasons themselves (a wave must not feed on its own verdicts)."""
    if reason in WAVE_REASONS or reason.category not in CORRELATING_CATEGORIES:
        return None
    if reason.category is Category.NETWORK:
        # A transport failure has no answer to compare: every timeout looks like every other.
        return FailureSignature(reason)
    if body_fingerprint:
        return FailureSignature(reason, status_code=status_code, body=body_fingerprint)
    return FailureSignature(reason, status_code=status_code, rule=rule)


@dataclass(frozen=True, slots=True)
class RegionFailure:
    region_code: str
    signature: FailureSignature
    since: datetime


@dataclass(frozen=True, slots=True)
class WaveRules:
    """Defaults hold from a 13-region pilot to all 514 regencies and cities (see tests)."""

    national_share: float = 0.3  # of ALL monitored regions failing with the signature
    national_min_regions: int = 5
    national_min_groups: int = 3  # a two-group cut is regional (backbone), not central
    group_share: float = 0.5  # of the island group's monitored regions
    group_min_regions: int = 3
    # Failures of the signature outside the qualifying groups, as a share of all its failures:
    # a few stray timeouts elsewhere leave a Papua cut a Papua cut; many mean it is spreading.
    outside_share: float = 0.25
    # `wave.updated` goes out when at least this share of the members last announced joined
    # or left, and no sooner than `update_debounce_seconds` after the previous announcement.
    update_fraction: float = 0.2
    update_debounce_seconds: float = 60.0

    def __post_init__(self) -> None:
        if min(self.national_min_regions, self.group_min_regions) < MIN_WAVE_REGIONS:
            raise ValueError(f"a wave needs at least {MIN_WAVE_REGIONS} regions")
        if self.national_min_groups < 2:
            raise ValueError("national_min_groups must be at least 2")
        if not (0 < self.national_share <= 1 and 0 < self.group_share <= 1):
            raise ValueError("national_share and group_share must be in (0, 1]")
        if not 0 <= self.outside_share < 1:
            raise ValueError("outside_share must be in [0, 1)")
        if not (0 <= self.update_fraction <= 1 and self.update_debounce_seconds >= 0):
            raise ValueError("update_fraction must be in [0, 1], update_debounce_seconds >= 0")


class WaveScope(StrEnum):
    NATIONAL = "national"
    ISLAND_GROUP = "island_group"


@dataclass(frozen=True, slots=True)
class WaveFinding:
    scope: WaveScope
    area: str  # "national", or the island group's digit
    reason: Reason
    signature: FailureSignature
    regions: tuple[str, ...]  # sorted
    since: datetime  # the earliest member's

    @property
    def group(self) -> IslandGroup | None:
        return None if self.scope is WaveScope.NATIONAL else IslandGroup(self.area)

    @property
    def area_label_id(self) -> str:
        return "Nasional" if self.group is None else self.group.label_id

    @property
    def area_label_en(self) -> str:
        return "National" if self.group is None else self.group.label_en


Members = dict[str, datetime]  # region code → since when it fails with the signature


StandingWave = tuple[str, str]  # an island-group wave active now: (signature key, area)


def find_waves(
    failures: Sequence[RegionFailure],
    monitored: Collection[str],
    rules: WaveRules,
    *,
    standing: Collection[StandingWave] = (),
) -> list[WaveFinding]:
    """The waves among the regions failing now; failures of unmonitored regions are ignored.

    An island-group wave already `standing` holds while its group stays dense, however many
    failures of its signature there are elsewhere: the outside share keeps a wave from
    starting while a signature spreads thin, but a cut whose neighbouring group is going
    down region by region (Maluku, then Papua) is still a cut, not two."""
    watched = frozenset(monitored)
    group_sizes = Counter(island_group_of(code) for code in watched)
    holding = frozenset(standing)
    findings: list[WaveFinding] = []
    for signature, members in _members_by_signature(failures, watched).items():
        findings += _waves_of(signature, members, group_sizes, rules, holding)
    return sorted(findings, key=_finding_order)


def wave_reason_for(
    region_code: str, signature: FailureSignature | None, findings: Sequence[WaveFinding]
) -> Reason | None:
    """The wave reason a region's failure with this signature now reads as, if any."""
    for finding in findings:
        if finding.signature == signature and region_code in finding.regions:
            return finding.reason
    return None


def membership_changed(
    previous: Collection[str], current: Collection[str], *, fraction: float
) -> bool:
    """Whether a wave's members moved enough to tell subscribers (`wave.updated`): at least
    `fraction` of the previous membership, and at least one region, joined or left."""
    moved = len(set(previous) ^ set(current))
    return moved >= max(1.0, fraction * len(previous))


def _finding_order(finding: WaveFinding) -> tuple[bool, str, datetime, tuple[str, ...]]:
    return (finding.scope is not WaveScope.NATIONAL, finding.area, finding.since, finding.regions)


def _members_by_signature(
    failures: Sequence[RegionFailure], monitored: frozenset[str]
) -> dict[FailureSignature, Members]:
    grouped: dict[FailureSignature, Members] = {}
    for failure in failures:
        if failure.region_code not in monitored:
            continue
        members = grouped.setdefault(failure.signature, {})
        known = members.get(failure.region_code)
        members[failure.region_code] = failure.since if known is None else min(known, failure.since)
    return grouped


def _waves_of(
    signature: FailureSignature,
    members: Members,
    group_sizes: Mapping[IslandGroup, int],
    rules: WaveRules,
    standing: frozenset[StandingWave],
) -> list[WaveFinding]:
    by_group: dict[IslandGroup, Members] = {}
    for code, since in members.items():
        by_group.setdefault(island_group_of(code), {})[code] = since
    if _is_national(len(members), len(by_group), sum(group_sizes.values()), rules):
        return [_finding(WaveScope.NATIONAL, "national", signature, members)]
    dense = {
        group: group_members
        for group, group_members in by_group.items()
        if _is_dense(len(group_members), group_sizes[group], rules)
    }
    outside = len(members) - sum(len(group_members) for group_members in dense.values())
    if outside / len(members) > rules.outside_share:
        # Spread thin across the country: local faults until it turns national, but for
        # the waves already standing.
        dense = {g: m for g, m in dense.items() if (signature.key, g.value) in standing}
    return [
        _finding(WaveScope.ISLAND_GROUP, group.value, signature, group_members)
        for group, group_members in dense.items()
    ]


def _is_national(failing: int, groups: int, monitored: int, rules: WaveRules) -> bool:
    return (
        groups >= rules.national_min_groups
        and failing >= rules.national_min_regions
        and failing / monitored >= rules.national_share
    )


def _is_dense(failing: int, monitored_in_group: int, rules: WaveRules) -> bool:
    return failing >= rules.group_min_regions and failing / monitored_in_group >= rules.group_share


def _finding(
    scope: WaveScope, area: str, signature: FailureSignature, members: Members
) -> WaveFinding:
    reason = Reason.UPSTREAM_CENTRAL if scope is WaveScope.NATIONAL else Reason.NETWORK_BACKBONE
    return WaveFinding(
        scope, area, reason, signature, tuple(sorted(members)), min(members.values())
    )
