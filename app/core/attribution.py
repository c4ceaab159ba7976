"""Verdict → Verdict, seen across regions and against the monitor itself. Pure.

- While the checker's control targets fail, a transport failure says more about the monitor's
  own network than about the region: it becomes `probe.unhealthy` and moves no state.
- A failure whose signature belongs to an active wave (app/core/waves.py) in the service's
  region reads as the wave's reason (`upstream.central`, `network.backbone`). A service already
  standing in that same local failure since before the wave's onset keeps it: its fault is its
  own and predates the wave. One that crossed its threshold as a local failure just before the
  wave was recognised is a member recognised late: its verdict says so (`wave_recognised`), so
  its reason is corrected once.
- A service standing in a wave reason whose failure no longer belongs to a wave reads as its
  local reason again (marked `wave_ended`); the state machine changes it back after the usual
  streak.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.core.domain import ProbeResult, Reason, Verdict
from app.core.waves import WAVE_REASONS, FailureSignature


@dataclass(frozen=True, slots=True)
class ActiveWave:
    """A stored, active wave as attribution reads it."""

    id: int
    reason: Reason
    signature: FailureSignature
    regions: frozenset[str]
    onset: datetime  # a failure standing since before this predates the wave


def wave_of(
    region_code: str, signature: FailureSignature | None, waves: Sequence[ActiveWave]
) -> ActiveWave | None:
    if signature is None:
        return None
    for wave in waves:
        if wave.signature == signature and region_code in wave.regions:
            return wave
    return None


def attribute(
    verdict: Verdict,
    result: ProbeResult,
    *,
    monitor_impaired: bool,
    wave: ActiveWave | None = None,
    standing_reason: Reason | None = None,
    standing_since: datetime | None = None,
) -> Verdict:
    if monitor_impaired and result.failure is not None:
        evidence = verdict.evidence | {
            "rule": "control_targets_failing",
            "observed_reason": str(verdict.reason),
        }
        return Verdict(Reason.PROBE_UNHEALTHY, evidence)
    if wave is None:
        if standing_reason in WAVE_REASONS and verdict.reason not in WAVE_REASONS:
            return Verdict(verdict.reason, verdict.evidence | {"wave_ended": True})
        return verdict
    already_local = verdict.reason == standing_reason
    # Unknown since when (never changed state): kept, the safe reading.
    if already_local and (standing_since is None or standing_since < wave.onset):
        return verdict
    evidence = verdict.evidence | {
        "rule": "wave_recognised" if already_local else "wave",
        "wave_id": wave.id,
        "local_reason": str(verdict.reason),
    }
    return Verdict(wave.reason, evidence)
