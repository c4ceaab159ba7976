"""Classify stage: ProbeResult → Verdict. Pure: no I/O, no clock, no state.

Names the reason for one observation under a check's rules, with the evidence that led to
it. A transport failure is read before anything else and never as policy: a Palopo-style
cutoff looks like a timeout, and only an operator's declaration may call that a cutoff.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.core.check_settings import CHECK_DEFAULTS, CheckSettings
from app.core.domain import FailureKind, ProbeResult, Reason, Verdict

DEFAULT_POLICY_MARKERS = (
    "dicabut",
    "diblokir",
    "dinonaktifkan",
    "isolasi",
    "hak akses",
    "revoked",
    "blocked",
    "suspended",
)
DEFAULT_MAINTENANCE_MARKERS = ("pemeliharaan", "maintenance")
EXCERPT_MAX_CHARS = 200
ERROR_MAX_CHARS = 300
_EXCERPT_LEAD_CHARS = 60  # context kept before a matched marker


@dataclass(frozen=True, slots=True)
class CheckRules:
    expected_status: int = CHECK_DEFAULTS.expected_status
    body_contains: str | None = CHECK_DEFAULTS.body_contains
    degraded_latency_ms: int | None = CHECK_DEFAULTS.degraded_latency_ms
    policy_markers: tuple[str, ...] = DEFAULT_POLICY_MARKERS
    # Phrases that confirm a cutoff outright (e.g. the ministry's own block page); empty by
    # default because a guess here would publish an accusation.
    cutoff_markers: tuple[str, ...] = ()
    maintenance_markers: tuple[str, ...] = DEFAULT_MAINTENANCE_MARKERS

    @classmethod
    def of(cls, settings: CheckSettings) -> CheckRules:
        policy, cutoff = settings.policy_markers, settings.cutoff_markers
        return _shared_rules(
            settings.expected_status,
            settings.body_contains,
            settings.degraded_latency_ms,
            DEFAULT_POLICY_MARKERS if policy is None else tuple(policy),
            () if cutoff is None else tuple(cutoff),
        )


# Rules are immutable and most services share theirs: one object each, not one per probe
# (the checker builds rules for every claimed service).
@lru_cache(maxsize=4096, typed=True)
def _shared_rules(
    expected_status: int,
    body_contains: str | None,
    degraded_latency_ms: int | None,
    policy_markers: tuple[str, ...],
    cutoff_markers: tuple[str, ...],
) -> CheckRules:
    return CheckRules(
        expected_status, body_contains, degraded_latency_ms, policy_markers, cutoff_markers
    )


Evidence = dict[str, Any]
Finding = tuple[Reason, Evidence]

_TRANSPORT_REASONS: dict[FailureKind, Reason] = {
    FailureKind.DNS: Reason.NETWORK_DNS,
    FailureKind.REFUSED: Reason.NETWORK_REFUSED,
    FailureKind.PROTOCOL: Reason.NETWORK_REFUSED,  # reset or closed by the far end
    FailureKind.UNREACHABLE: Reason.NETWORK_UNREACHABLE,
    FailureKind.CONNECT_TIMEOUT: Reason.NETWORK_TIMEOUT,
    FailureKind.READ_TIMEOUT: Reason.NETWORK_TIMEOUT,
    FailureKind.DEADLINE: Reason.NETWORK_TIMEOUT,
    FailureKind.TLS: Reason.NETWORK_TLS,
    FailureKind.POOL_SATURATED: Reason.PROBE_UNHEALTHY,  # our fault, not the region's
    FailureKind.OTHER: Reason.UPSTREAM_UNEXPECTED,
}


def classify(result: ProbeResult, rules: CheckRules) -> Verdict:
    """The reason for `result` under `rules`; the first matching rule wins."""
    evidence: Evidence = {
        "status_code": result.status_code,
        "latency_ms": round(result.latency_ms, 1),
    }
    if result.error:
        evidence["error"] = result.error[:ERROR_MAX_CHARS]
    if result.failure is not None or result.status_code is None:
        kind = result.failure or FailureKind.OTHER
        return Verdict(_TRANSPORT_REASONS[kind], {**evidence, "rule": f"transport_{kind.value}"})
    for rule in _ANSWER_RULES:
        finding = rule(result, rules)
        if finding is not None:
            reason, extra = finding
            return Verdict(reason, {**evidence, **extra})
    return Verdict(Reason.OK, {**evidence, "rule": "ok"})


def _cutoff(result: ProbeResult, rules: CheckRules) -> Finding | None:
    if result.status_code == 451:  # Unavailable For Legal Reasons: a cutoff said out loud
        return Reason.POLICY_CUTOFF, _with_excerpt({"rule": "status_451"}, result.body_excerpt)
    return _marker_finding(
        Reason.POLICY_CUTOFF, "cutoff_marker", result.body_excerpt, rules.cutoff_markers
    )


def _suspected_cutoff(result: ProbeResult, rules: CheckRules) -> Finding | None:
    if result.status_code != 403:  # a bare 403 is just a wrong answer: see _assertions
        return None
    return _marker_finding(
        Reason.POLICY_SUSPECTED, "policy_marker", result.body_excerpt, rules.policy_markers
    )


def _maintenance(result: ProbeResult, rules: CheckRules) -> Finding | None:
    if result.status_code != 503:
        return None
    retry_after = _header(result.headers, "retry-after")
    if retry_after:
        evidence = {"rule": "retry_after", "retry_after": retry_after[:64]}
        return Reason.MAINTENANCE_ANNOUNCED, _with_excerpt(evidence, result.body_excerpt)
    return _marker_finding(
        Reason.MAINTENANCE_ANNOUNCED,
        "maintenance_marker",
        result.body_excerpt,
        rules.maintenance_markers,
    )


def _server_error(result: ProbeResult, rules: CheckRules) -> Finding | None:
    if result.status_code is None or not 500 <= result.status_code <= 599:
        return None
    return Reason.UPSTREAM_ERROR, _with_excerpt({"rule": "status_5xx"}, result.body_excerpt)


def _assertions(result: ProbeResult, rules: CheckRules) -> Finding | None:
    if result.status_code != rules.expected_status:
        evidence: Evidence = {"rule": "status_mismatch", "expected_status": rules.expected_status}
        location = _header(result.headers, "location")
        if location:  # where a redirect wanted to take us is the telling part
            evidence["location"] = location[:EXCERPT_MAX_CHARS]
        return Reason.UPSTREAM_UNEXPECTED, _with_excerpt(evidence, result.body_excerpt)
    if rules.body_contains is not None and rules.body_contains not in result.body_excerpt:
        evidence = {"rule": "body_assertion", "expected_body": rules.body_contains[:100]}
        return Reason.UPSTREAM_UNEXPECTED, _with_excerpt(evidence, result.body_excerpt)
    return None


def _slow(result: ProbeResult, rules: CheckRules) -> Finding | None:
    threshold = rules.degraded_latency_ms
    if threshold is None or result.latency_ms <= threshold:
        return None
    return Reason.PERFORMANCE_SLOW, {"rule": "latency_over_threshold", "threshold_ms": threshold}


# Precedence for an HTTP answer, most specific first.
_ANSWER_RULES: tuple[Callable[[ProbeResult, CheckRules], Finding | None], ...] = (
    _cutoff,
    _suspected_cutoff,
    _maintenance,
    _server_error,
    _assertions,
    _slow,
)


def _marker_finding(
    reason: Reason, rule_id: str, body: str, markers: tuple[str, ...]
) -> Finding | None:
    match = find_marker(body, markers)
    if match is None:
        return None
    marker, position = match
    evidence = {"rule": rule_id, "matched": marker}
    return reason, _with_excerpt(evidence, body, around=position)


def find_marker(body: str, markers: tuple[str, ...]) -> tuple[str, int] | None:
    """The first configured marker found in `body`, ignoring case, and where it starts."""
    folded = body.casefold()
    for marker in markers:
        needle = marker.strip().casefold()
        if not needle:  # an empty marker would match every body
            continue
        position = folded.find(needle)
        if position >= 0:
            return marker, position
    return None


def _with_excerpt(evidence: Evidence, body: str, around: int = 0) -> Evidence:
    # casefold() may shift positions slightly (ß → ss); the window is wide enough anyway
    start = max(0, around - _EXCERPT_LEAD_CHARS)
    excerpt = " ".join(body[start : start + EXCERPT_MAX_CHARS].split())
    if excerpt:
        evidence["excerpt"] = excerpt
    return evidence


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # the prober lower-cases names, but a ProbeResult may come from elsewhere
    for key, value in headers.items():
        if key.lower() == name:
            return value.strip()
    return None
