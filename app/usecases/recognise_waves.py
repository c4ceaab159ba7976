"""A batch's failure signatures → the waves active once it is counted. Runs once per batch,
in the batch's transaction: failing services' signatures across every region, then
find_waves (app/core/waves.py) and reconcile_waves (stored waves, events)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.attribution import ActiveWave
from app.core.domain import CheckRecord
from app.core.waves import (
    FailureSignature,
    RegionFailure,
    WaveRules,
    WaveScope,
    find_waves,
    probe_signature,
)
from app.store.check_states import StoredCheckState
from app.store.failures import has_active_wave, monitored_regions, recent_failures
from app.store.waves import WaveRecord, active_waves
from app.usecases.waves import reconcile_waves


@dataclass(frozen=True, slots=True)
class FailureMark:
    """A service's failure signature after its latest probe, and since when it holds."""

    service_id: int
    region_code: str
    signature: str | None
    since: datetime | None


def failure_mark(
    service: StoredCheckState, record: CheckRecord, *, monitor_impaired: bool
) -> FailureMark:
    """While the monitor itself is impaired a failed probe says nothing new: the mark stays."""
    if monitor_impaired and record.result.failure is not None:
        signature, since = service.failure_signature, service.failure_since
        return FailureMark(service.service_id, service.region_code, signature, since)
    found = probe_signature(record.verdict, record.result)
    if found is None:
        return FailureMark(service.service_id, service.region_code, None, None)
    same = found.key == service.failure_signature and service.failure_since is not None
    since = service.failure_since if same else record.result.started_at
    return FailureMark(service.service_id, service.region_code, found.key, since)


async def recognise_waves(
    session: AsyncSession,
    marks: Sequence[FailureMark],
    *,
    now: datetime,
    rules: WaveRules,
    window_seconds: float,
    monitor_impaired: bool,
) -> list[ActiveWave]:
    """A batch with no correlating failure skips the queries unless a wave is active (it may
    be ending); so does an impaired monitor, whose failures would end every wave."""
    window = timedelta(seconds=window_seconds)
    failing = [mark for mark in marks if mark.signature is not None]
    if not failing and not await has_active_wave(session):
        return []
    if not monitor_impaired:
        stored = await recent_failures(
            session, since=now - window, excluding={mark.service_id for mark in marks}
        )
        failures = [_region_failure(f.region_code, f.signature, f.since) for f in stored]
        failures += [_region_failure(m.region_code, m.signature, m.since) for m in failing]
        active = await active_waves(session)
        standing = [(w.signature, w.area) for w in active if w.scope == WaveScope.ISLAND_GROUP]
        monitored = await monitored_regions(session)
        findings = find_waves(failures, monitored, rules, standing=standing)
        await reconcile_waves(session, findings, now=now, rules=rules, active_now=active)
    return [_active(wave, window) for wave in await active_waves(session)]


def _region_failure(
    region_code: str, signature: str | None, since: datetime | None
) -> RegionFailure:
    assert signature is not None and since is not None
    return RegionFailure(region_code, FailureSignature.from_key(signature), since)


def _active(wave: WaveRecord, window: timedelta) -> ActiveWave:
    signature = FailureSignature.from_key(wave.signature)
    # Failures within one window before recognition were the wave building up (their local
    # transitions get corrected); a failure standing since earlier predates it.
    onset = wave.started_at - window
    return ActiveWave(wave.id, wave.reason, signature, frozenset(wave.regions), onset)
