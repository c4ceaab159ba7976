"""Verdict → Verdict, seen across regions and against the monitor itself. Pure.

- While the checker's control targets fail, a transport failure says more about the monitor's
  own network than about the region: it becomes `probe.unhealthy` and moves no state.
- When a large share of monitored regions fails with network or upstream reasons at once, the
  fault is central: those verdicts become `upstream.central`. A service already standing in
  that same local failure before the wave keeps it: its fault is its own and predates the
  wave (an office refusing connections does not become a central outage because the centre
  then fails too).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.domain import Category, ProbeResult, Reason, Verdict

CENTRAL_CATEGORIES = frozenset({Category.NETWORK, Category.UPSTREAM})


@dataclass(frozen=True, slots=True)
class WaveRule:
    share: float = 0.3  # of monitored regions failing at once
    min_regions: int = 5  # below this many monitored regions there is no "many"


def is_central_wave(failing_regions: int, monitored_regions: int, rule: WaveRule) -> bool:
    if monitored_regions < rule.min_regions or failing_regions < 2:
        return False
    return failing_regions / monitored_regions >= rule.share


def attribute(
    verdict: Verdict,
    result: ProbeResult,
    *,
    monitor_impaired: bool,
    central_wave: bool,
    standing_reason: Reason | None = None,
) -> Verdict:
    if monitor_impaired and result.failure is not None:
        evidence = verdict.evidence | {
            "rule": "control_targets_failing",
            "observed_reason": str(verdict.reason),
        }
        return Verdict(Reason.PROBE_UNHEALTHY, evidence)
    if (
        central_wave
        and verdict.reason.category in CENTRAL_CATEGORIES
        and verdict.reason != standing_reason
    ):
        evidence = verdict.evidence | {
            "rule": "central_wave",
            "local_reason": str(verdict.reason),
        }
        return Verdict(Reason.UPSTREAM_CENTRAL, evidence)
    return verdict
