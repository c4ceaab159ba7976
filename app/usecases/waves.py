"""WaveFindings → stored waves, member incidents linked, and wave.* events in the outbox, all in
the caller's transaction. Run it with every batch's findings, even an empty list: a wave whose
signature no longer qualifies ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.events import EventType, WaveFacts, wave_data
from app.core.waves import FailureSignature, WaveFinding, WaveRules, membership_changed
from app.store import waves as store
from app.store.waves import WaveRecord
from app.usecases.outbox import enqueue_event


class WaveChangeKind(StrEnum):
    STARTED = "started"
    CHANGED = "changed"  # members joined or left
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class WaveChange:
    kind: WaveChangeKind
    wave: WaveRecord  # as it stands after the change
    joined: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    announced: bool = False  # whether a wave.* event went out for it


def signature_key(signature: FailureSignature) -> str:
    return signature.key


async def reconcile_waves(
    session: AsyncSession,
    findings: Sequence[WaveFinding],
    *,
    now: datetime,
    rules: WaveRules,
    active_now: Sequence[WaveRecord] | None = None,
) -> list[WaveChange]:
    """Open the waves newly found, move members of those still found, end the others.
    `active_now`: the active waves, when the caller has just read them in this session."""
    if active_now is None:
        active_now = await store.active_waves(session)
    active = {_key_of(w): w for w in active_now}
    changes: list[WaveChange] = []
    for finding in findings:
        key = (signature_key(finding.signature), str(finding.scope), finding.area)
        wave = active.pop(key, None)
        if wave is None:
            wave, opened = await _opened_or_found(session, finding, key[0], now=now)
            if opened:
                changes.append(await _announce_start(session, wave, now=now))
                continue
        change = await _move_members(session, wave, finding.regions, now=now, rules=rules)
        if change is not None:
            changes.append(change)
    for wave in active.values():
        changes.append(await _end(session, wave, now=now))
    return changes


def _key_of(wave: WaveRecord) -> tuple[str, str, str]:
    return (wave.signature, str(wave.scope), wave.area)


async def _opened_or_found(
    session: AsyncSession, finding: WaveFinding, signature: str, *, now: datetime
) -> tuple[WaveRecord, bool]:
    """The wave for this finding and whether it opened now; else the one another checker
    opened first (the partial unique index refuses a second active wave; it is read back)."""
    try:
        async with session.begin_nested():
            wave_id = await store.open_wave(
                session,
                signature=signature,
                scope=finding.scope,
                area=finding.area,
                reason=finding.reason,
                regions=finding.regions,
                now=now,
            )
    except IntegrityError:
        found = await store.active_wave(
            session, signature=signature, scope=finding.scope, area=finding.area
        )
        if found is None:  # it ended in between: ours is a new one after all
            raise
        return found, False
    opened = await store.get_wave(session, wave_id)
    assert opened is not None
    return opened, True


async def _announce_start(session: AsyncSession, wave: WaveRecord, *, now: datetime) -> WaveChange:
    await store.link_open_incidents(session, wave.id, wave.regions)
    await _enqueue(session, EventType.WAVE_STARTED, wave, now=now)
    return WaveChange(WaveChangeKind.STARTED, wave, joined=wave.regions, announced=True)


async def _move_members(
    session: AsyncSession,
    wave: WaveRecord,
    regions: Sequence[str],
    *,
    now: datetime,
    rules: WaveRules,
) -> WaveChange | None:
    joined = tuple(sorted(set(regions) - set(wave.regions)))
    left = tuple(sorted(set(wave.regions) - set(regions)))
    if joined:
        await store.join_members(session, wave.id, joined, now=now)
    await store.leave_members(session, wave.id, left, now=now)
    await store.link_open_incidents(session, wave.id, regions)
    announce = _worth_announcing(wave, regions, now=now, rules=rules)
    if not (joined or left or announce):
        return None
    await store.save_wave(
        session,
        wave.id,
        now=now,
        peak_regions=max(wave.peak_regions, len(regions)),
        announced=regions if announce else None,
    )
    moved = await store.get_wave(session, wave.id)
    assert moved is not None
    if announce:
        await _enqueue(session, EventType.WAVE_UPDATED, moved, now=now)
    return WaveChange(WaveChangeKind.CHANGED, moved, joined, left, announced=announce)


def _worth_announcing(
    wave: WaveRecord, regions: Sequence[str], *, now: datetime, rules: WaveRules
) -> bool:
    """Moved enough since the last announcement, and not announced too recently; a change
    held back by the debounce goes out with a later batch, since it is measured against
    what was announced, not against the previous batch."""
    debounce = timedelta(seconds=rules.update_debounce_seconds)
    if now - wave.announced_at < debounce:
        return False
    return membership_changed(wave.announced_regions, regions, fraction=rules.update_fraction)


async def _end(session: AsyncSession, wave: WaveRecord, *, now: datetime) -> WaveChange:
    await store.save_wave(session, wave.id, now=now, ended=True, announced=wave.regions)
    ended = await store.get_wave(session, wave.id)
    assert ended is not None
    await _enqueue(session, EventType.WAVE_ENDED, ended, now=now)
    return WaveChange(WaveChangeKind.ENDED, ended, announced=True)


def wave_facts(wave: WaveRecord) -> WaveFacts:
    return WaveFacts(
        id=wave.id,
        scope=wave.scope,
        area=wave.area,
        reason=wave.reason,
        regions=wave.regions,
        started_at=wave.started_at,
        ended_at=wave.ended_at,
        peak_regions=wave.peak_regions,
    )


async def _enqueue(
    session: AsyncSession, event_type: EventType, wave: WaveRecord, *, now: datetime
) -> None:
    await enqueue_event(
        session,
        event_type=str(event_type),
        data=wave_data(wave_facts(wave)),
        region_code=None,
        category=str(wave.reason.category),
        regions=wave.regions,
        timestamp=now,
    )
