"""classify: one scenario per row — what was observed, under which rules, which reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.core.classify import CheckRules, classify
from app.core.domain import Category, FailureKind, ProbeResult, Reason

T0 = datetime(2025, 1, 1, tzinfo=UTC)
DEFAULT = CheckRules()


def answer(
    status: int,
    body: str = "",
    headers: dict[str, str] | None = None,
    latency_ms: float = 50.0,
) -> ProbeResult:
    return ProbeResult(
        started_at=T0,
        latency_ms=latency_ms,
        status_code=status,
        headers=headers or {},
        body_excerpt=body,
    )


def failed(kind: FailureKind, error: str = "ConnectError: boom") -> ProbeResult:
    return ProbeResult(started_at=T0, latency_ms=12.34, failure=kind, error=error)


SCENARIOS = [
    # --- transport failures: mapped by kind, before any body rule -------------------------
    ("dns", failed(FailureKind.DNS), DEFAULT, Reason.NETWORK_DNS, "transport_dns"),
    ("refused", failed(FailureKind.REFUSED), DEFAULT, Reason.NETWORK_REFUSED, "transport_refused"),
    (
        "reset after connect reads as refused",
        failed(FailureKind.PROTOCOL),
        DEFAULT,
        Reason.NETWORK_REFUSED,
        "transport_protocol",
    ),
    (
        "unreachable",
        failed(FailureKind.UNREACHABLE),
        DEFAULT,
        Reason.NETWORK_UNREACHABLE,
        "transport_unreachable",
    ),
    (
        "connect timeout",
        failed(FailureKind.CONNECT_TIMEOUT),
        DEFAULT,
        Reason.NETWORK_TIMEOUT,
        "transport_connect_timeout",
    ),
    (
        "read timeout",
        failed(FailureKind.READ_TIMEOUT),
        DEFAULT,
        Reason.NETWORK_TIMEOUT,
        "transport_read_timeout",
    ),
    (
        "deadline",
        failed(FailureKind.DEADLINE),
        DEFAULT,
        Reason.NETWORK_TIMEOUT,
        "transport_deadline",
    ),
    ("tls", failed(FailureKind.TLS), DEFAULT, Reason.NETWORK_TLS, "transport_tls"),
    (
        "pool saturated is the monitor's fault",
        failed(FailureKind.POOL_SATURATED),
        DEFAULT,
        Reason.PROBE_UNHEALTHY,
        "transport_pool_saturated",
    ),
    (
        "other transport error",
        failed(FailureKind.OTHER),
        DEFAULT,
        Reason.UPSTREAM_UNEXPECTED,
        "transport_other",
    ),
    # --- policy ----------------------------------------------------------------------------
    ("451", answer(451), DEFAULT, Reason.POLICY_CUTOFF, "status_451"),
    (
        "451 beats everything, even a maintenance marker",
        answer(451, "maintenance"),
        DEFAULT,
        Reason.POLICY_CUTOFF,
        "status_451",
    ),
    (
        "cutoff marker on a 200",
        answer(200, "<h1>Akses SIAK DIPUTUS oleh Dirjen</h1>"),
        CheckRules(cutoff_markers=("akses siak diputus",)),
        Reason.POLICY_CUTOFF,
        "cutoff_marker",
    ),
    (
        "cutoff marker outranks a suspected-policy 403",
        answer(403, "hak akses dicabut; akses siak diputus"),
        CheckRules(cutoff_markers=("akses siak diputus",)),
        Reason.POLICY_CUTOFF,
        "cutoff_marker",
    ),
    (
        "403 with a policy marker",
        answer(403, "Hak akses dicabut sesuai surat Dirjen"),
        DEFAULT,
        Reason.POLICY_SUSPECTED,
        "policy_marker",
    ),
    (
        "policy markers ignore case",
        answer(403, "ACCOUNT SUSPENDED"),
        DEFAULT,
        Reason.POLICY_SUSPECTED,
        "policy_marker",
    ),
    (
        "403 without a marker is only a wrong answer",
        answer(403, "Forbidden"),
        DEFAULT,
        Reason.UPSTREAM_UNEXPECTED,
        "status_mismatch",
    ),
    (
        "a policy marker on a 200 proves nothing",
        answer(200, "berita: akses daerah lain diblokir"),
        DEFAULT,
        Reason.OK,
        "ok",
    ),
    (
        "an empty marker matches nothing",
        answer(403, "Forbidden"),
        CheckRules(policy_markers=("", "  ")),
        Reason.UPSTREAM_UNEXPECTED,
        "status_mismatch",
    ),
    # --- maintenance -------------------------------------------------------------------------
    (
        "503 with Retry-After",
        answer(503, headers={"retry-after": "3600"}),
        DEFAULT,
        Reason.MAINTENANCE_ANNOUNCED,
        "retry_after",
    ),
    (
        "Retry-After header name in any case",
        answer(503, headers={"Retry-After": "120"}),
        DEFAULT,
        Reason.MAINTENANCE_ANNOUNCED,
        "retry_after",
    ),
    (
        "503 with a maintenance marker",
        answer(503, "Sedang PEMELIHARAAN sistem"),
        DEFAULT,
        Reason.MAINTENANCE_ANNOUNCED,
        "maintenance_marker",
    ),
    (
        "503 without markers is a server error",
        answer(503, "Service Unavailable"),
        DEFAULT,
        Reason.UPSTREAM_ERROR,
        "status_5xx",
    ),
    (
        "maintenance marker on a 500 is still a server error",
        answer(500, "maintenance"),
        DEFAULT,
        Reason.UPSTREAM_ERROR,
        "status_5xx",
    ),
    # --- server errors and assertions ----------------------------------------------------------
    ("500", answer(500), DEFAULT, Reason.UPSTREAM_ERROR, "status_5xx"),
    ("502", answer(502), DEFAULT, Reason.UPSTREAM_ERROR, "status_5xx"),
    ("504", answer(504), DEFAULT, Reason.UPSTREAM_ERROR, "status_5xx"),
    ("404", answer(404), DEFAULT, Reason.UPSTREAM_UNEXPECTED, "status_mismatch"),
    (
        "redirect not followed",
        answer(302, headers={"location": "https://login.example/"}),
        DEFAULT,
        Reason.UPSTREAM_UNEXPECTED,
        "status_mismatch",
    ),
    (
        "custom expected status met",
        answer(401, "login required"),
        CheckRules(expected_status=401),
        Reason.OK,
        "ok",
    ),
    (
        "custom expected status missed",
        answer(200),
        CheckRules(expected_status=204),
        Reason.UPSTREAM_UNEXPECTED,
        "status_mismatch",
    ),
    (
        "body assertion met",
        answer(200, '{"status":"UP"}'),
        CheckRules(body_contains='"status":"UP"'),
        Reason.OK,
        "ok",
    ),
    (
        "body assertion missed",
        answer(200, '{"status":"DOWN"}'),
        CheckRules(body_contains='"status":"UP"'),
        Reason.UPSTREAM_UNEXPECTED,
        "body_assertion",
    ),
    (
        "status mismatch is reported before the body assertion",
        answer(404, "not found"),
        CheckRules(body_contains="UP"),
        Reason.UPSTREAM_UNEXPECTED,
        "status_mismatch",
    ),
    # --- latency ---------------------------------------------------------------------------------
    (
        "slow but correct",
        answer(200, latency_ms=2500.0),
        DEFAULT,
        Reason.PERFORMANCE_SLOW,
        "latency_over_threshold",
    ),
    ("at the threshold is fine", answer(200, latency_ms=2000.0), DEFAULT, Reason.OK, "ok"),
    (
        "slow and wrong is wrong",
        answer(500, latency_ms=9000.0),
        DEFAULT,
        Reason.UPSTREAM_ERROR,
        "status_5xx",
    ),
    (
        "latency check disabled",
        answer(200, latency_ms=60_000.0),
        CheckRules(degraded_latency_ms=None),
        Reason.OK,
        "ok",
    ),
    ("ok", answer(200, "<html>SIAK</html>"), DEFAULT, Reason.OK, "ok"),
]


@pytest.mark.parametrize(
    ("result", "rules", "reason", "rule"),
    [pytest.param(*row[1:], id=row[0]) for row in SCENARIOS],
)
def test_scenario(result: ProbeResult, rules: CheckRules, reason: Reason, rule: str) -> None:
    verdict = classify(result, rules)
    assert verdict.reason is reason
    assert verdict.evidence["rule"] == rule
    assert verdict.evidence["status_code"] == result.status_code
    json.dumps(verdict.evidence)  # evidence is stored and sent as JSON


@pytest.mark.parametrize("kind", list(FailureKind))
def test_a_timeout_is_never_a_cutoff_whatever_the_body(kind: FailureKind) -> None:
    # A Palopo-style cut happens at the VPN: the prober sees timeouts. Even with a marker-laden
    # leftover body, only an operator's declaration may call that a policy cutoff.
    result = ProbeResult(
        started_at=T0,
        latency_ms=10_000.0,
        status_code=None,
        body_excerpt="akses dicabut diputus",
        failure=kind,
    )
    rules = CheckRules(cutoff_markers=("diputus",))
    assert classify(result, rules).reason.category is not Category.POLICY


def test_failure_outranks_a_partial_answer() -> None:
    result = ProbeResult(
        started_at=T0,
        latency_ms=10.0,
        status_code=451,
        failure=FailureKind.DEADLINE,
    )
    assert classify(result, DEFAULT).reason is Reason.NETWORK_TIMEOUT


def test_transport_evidence() -> None:
    verdict = classify(failed(FailureKind.DNS, "ConnectError: x <- gaierror: y"), DEFAULT)
    assert verdict.evidence == {
        "rule": "transport_dns",
        "status_code": None,
        "latency_ms": 12.3,
        "error": "ConnectError: x <- gaierror: y",
    }


def test_marker_evidence_names_the_marker_and_shows_it_in_context() -> None:
    body = "x" * 500 + " Hak Akses SIAK Dicabut per 1 Mei " + "y" * 500
    verdict = classify(answer(403, body), DEFAULT)
    assert verdict.evidence["matched"] == "dicabut"
    assert "Dicabut" in verdict.evidence["excerpt"]
    assert len(verdict.evidence["excerpt"]) <= 200


def test_mismatch_evidence_is_bounded() -> None:
    verdict = classify(answer(302, "z" * 10_000, {"location": "/l" * 500}), DEFAULT)
    evidence = verdict.evidence
    assert evidence["expected_status"] == 200
    assert len(evidence["excerpt"]) <= 200
    assert len(evidence["location"]) <= 200
    assert len(json.dumps(evidence)) < 1_000


def test_ok_and_slow_evidence_carry_no_excerpt() -> None:
    assert "excerpt" not in classify(answer(200, "body"), DEFAULT).evidence
    slow = classify(answer(200, "body", latency_ms=2345.67), DEFAULT).evidence
    assert "excerpt" not in slow
    assert slow["latency_ms"] == 2345.7
    assert slow["threshold_ms"] == 2000


def test_retry_after_is_recorded() -> None:
    verdict = classify(answer(503, headers={"retry-after": "3600"}), DEFAULT)
    assert verdict.evidence["retry_after"] == "3600"


def test_classify_is_pure() -> None:
    result = answer(403, "diblokir")
    assert classify(result, DEFAULT) == classify(result, DEFAULT)
