"""Waves: one correlated outage stored as one thing, with its members joining and leaving.

At most one wave is active per (signature, scope, area): a partial unique index holds that
across replicas, so two checkers that see the same wave at once open it once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, text, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Reason
from app.core.waves import WaveScope
from app.store.history import older_than
from app.store.models import Incident, _utc
from app.store.types import JSONDocument

_ACTIVE = text("ended_at IS NULL")


class Wave(SQLModel, table=True):
    __table_args__ = (
        Index(
            "uq_wave_signature_scope_area_active",
            "signature",
            "scope",
            "area",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_wave_started_at_id", "started_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    scope: WaveScope = Field(sa_type=String(16))
    area: str = Field(max_length=16)  # "national", or the island group's digit
    reason: Reason = Field(sa_type=String(32))
    signature: str = Field(max_length=200)  # FailureSignature as a stable key
    started_at: datetime = _utc()
    ended_at: datetime | None = _utc(nullable=True, index=True)
    peak_regions: int = 0
    # What subscribers were last told (wave.started / wave.updated), for the debounce.
    announced_regions: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    announced_at: datetime = _utc()
    updated_at: datetime = _utc()


class WaveMember(SQLModel, table=True):
    """One stretch of a region's membership; a region that leaves and rejoins has two."""

    __tablename__ = "wave_member"

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(
        sa_column=Column(
            Integer(), ForeignKey("wave.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    region_code: str = Field(sa_column=Column(String(8), ForeignKey("region.code"), nullable=False))
    joined_at: datetime = _utc()
    left_at: datetime | None = _utc(nullable=True)


@dataclass(frozen=True, slots=True)
class WaveRecord:
    """A wave as its readers see it: `regions` are the current members, or for an ended
    wave the members at its end."""

    id: int
    scope: WaveScope
    area: str
    reason: Reason
    signature: str
    regions: tuple[str, ...]
    started_at: datetime
    ended_at: datetime | None
    peak_regions: int
    announced_regions: tuple[str, ...]
    announced_at: datetime
    updated_at: datetime


async def active_waves(session: AsyncSession) -> list[WaveRecord]:
    query = select(Wave).where(col(Wave.ended_at).is_(None)).order_by(col(Wave.id))
    return await _records(session, list((await session.exec(query)).all()))


async def active_wave(
    session: AsyncSession, *, signature: str, scope: WaveScope, area: str
) -> WaveRecord | None:
    query = select(Wave).where(
        Wave.signature == signature,
        Wave.scope == scope,
        Wave.area == area,
        col(Wave.ended_at).is_(None),
    )
    found = list((await session.exec(query)).all())
    return (await _records(session, found))[0] if found else None


async def get_wave(session: AsyncSession, wave_id: int) -> WaveRecord | None:
    wave = await session.get(Wave, wave_id)
    return (await _records(session, [wave]))[0] if wave is not None else None


async def list_waves(
    session: AsyncSession,
    *,
    active: bool | None = None,
    before: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[WaveRecord]:
    """Newest first, by start."""
    query = select(Wave)
    if active is not None:
        ended = col(Wave.ended_at)
        query = query.where(ended.is_(None) if active else ended.is_not(None))
    if before is not None:
        query = query.where(older_than(col(Wave.started_at), col(Wave.id), before))
    order = (col(Wave.started_at).desc(), col(Wave.id).desc())
    return await _records(
        session, list((await session.exec(query.order_by(*order).limit(limit))).all())
    )


async def waves_touched_since(
    session: AsyncSession, *, known_active: Collection[int]
) -> list[WaveRecord]:
    """The active waves and those among `known_active` that have ended since: what a live
    listener needs to see every start, change and end."""
    ended = col(Wave.ended_at)
    query = select(Wave).where(ended.is_(None) | col(Wave.id).in_(list(known_active)))
    return await _records(session, list((await session.exec(query.order_by(col(Wave.id)))).all()))


async def open_wave(
    session: AsyncSession,
    *,
    signature: str,
    scope: WaveScope,
    area: str,
    reason: Reason,
    regions: Sequence[str],
    now: datetime,
) -> int:
    """Insert a wave and its first members; raises IntegrityError (at flush) when another
    transaction holds the same active wave."""
    wave = Wave(
        scope=scope,
        area=area,
        reason=reason,
        signature=signature,
        started_at=now,
        peak_regions=len(regions),
        announced_regions=sorted(regions),
        announced_at=now,
        updated_at=now,
    )
    session.add(wave)
    await session.flush()
    assert wave.id is not None
    await join_members(session, wave.id, regions, now=now)
    return wave.id


async def join_members(
    session: AsyncSession, wave_id: int, regions: Collection[str], *, now: datetime
) -> None:
    session.add_all(WaveMember(wave_id=wave_id, region_code=r, joined_at=now) for r in regions)
    await session.flush()


async def leave_members(
    session: AsyncSession, wave_id: int, regions: Collection[str], *, now: datetime
) -> None:
    if not regions:
        return
    statement = (
        update(WaveMember)
        .where(
            col(WaveMember.wave_id) == wave_id,
            col(WaveMember.region_code).in_(list(regions)),
            col(WaveMember.left_at).is_(None),
        )
        .values(left_at=now)
    )
    await session.exec(statement)  # type: ignore[call-overload]


async def save_wave(
    session: AsyncSession,
    wave_id: int,
    *,
    now: datetime,
    peak_regions: int | None = None,
    ended: bool = False,
    announced: Sequence[str] | None = None,
) -> None:
    wave = await session.get(Wave, wave_id)
    assert wave is not None
    wave.updated_at = now
    if peak_regions is not None:
        wave.peak_regions = peak_regions
    if ended:
        wave.ended_at = now
    if announced is not None:
        wave.announced_regions, wave.announced_at = sorted(announced), now
    session.add(wave)
    await session.flush()


async def link_open_incidents(
    session: AsyncSession, wave_id: int, regions: Collection[str]
) -> None:
    """Members' open incidents that belong to no wave yet now belong to this one."""
    if not regions:
        return
    statement = (
        update(Incident)
        .where(
            col(Incident.region_code).in_(list(regions)),
            col(Incident.ended_at).is_(None),
            col(Incident.wave_id).is_(None),
        )
        .values(wave_id=wave_id)
        .execution_options(synchronize_session=False)
    )
    await session.exec(statement)  # type: ignore[call-overload]


async def _records(session: AsyncSession, waves: Sequence[Wave]) -> list[WaveRecord]:
    members = await _members(session, [w.id for w in waves if w.id is not None])
    return [_record(w, members[w.id or 0]) for w in waves]


async def _members(session: AsyncSession, wave_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if not wave_ids:
        return found
    query = select(WaveMember.wave_id, WaveMember.region_code).where(
        col(WaveMember.wave_id).in_(wave_ids), col(WaveMember.left_at).is_(None)
    )
    for wave_id, code in (await session.exec(query)).all():
        found[wave_id].append(code)
    return found


def _record(wave: Wave, regions: Sequence[str]) -> WaveRecord:
    assert wave.id is not None
    return WaveRecord(
        id=wave.id,
        scope=WaveScope(wave.scope),
        area=wave.area,
        reason=Reason(wave.reason),
        signature=wave.signature,
        regions=tuple(sorted(set(regions))),
        started_at=wave.started_at,
        ended_at=wave.ended_at,
        peak_regions=wave.peak_regions,
        announced_regions=tuple(wave.announced_regions),
        announced_at=wave.announced_at,
        updated_at=wave.updated_at,
    )
