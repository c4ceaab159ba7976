"""Failing services' signatures and the regions monitored: what wave detection reads once per
batch, across every region."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.store.checks import service_table
from app.store.waves import Wave


@dataclass(frozen=True, slots=True)
class StoredFailure:
    region_code: str
    signature: str  # FailureSignature.key
    since: datetime


async def recent_failures(
    session: AsyncSession, *, since: datetime, excluding: Collection[int]
) -> list[StoredFailure]:
    """Active services whose latest probe, taken at `since` or later, failed with a signature;
    the services in `excluding` (the batch being recorded) are left to the caller."""
    c = service_table.c
    query = select(c.region_code, c.failure_signature, c.failure_since).where(
        and_(
            c.failure_signature.is_not(None),
            c.last_checked_at >= since,
            c.is_paused.is_(False),
            c.id.not_in(list(excluding)),
        )
    )
    rows = await (await session.connection()).execute(query)
    return [StoredFailure(row[0], row[1], row[2]) for row in rows]


async def monitored_regions(session: AsyncSession) -> set[str]:
    c = service_table.c
    query = select(func.distinct(c.region_code)).where(c.is_paused.is_(False))
    return set((await (await session.connection()).scalars(query)).all())


async def has_active_wave(session: AsyncSession) -> bool:
    query = select(col(Wave.id)).where(col(Wave.ended_at).is_(None)).limit(1)
    return (await (await session.connection()).scalar(query)) is not None
