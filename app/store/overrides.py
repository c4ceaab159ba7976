"""What operators declared that bears on a batch of check results: loaded once per batch, in
two queries (declarations of the batch's regions, maintenance windows around its instants)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.overrides import NO_OVERRIDES, Overrides
from app.store.declarations import declared_causes
from app.store.maintenance import scheduled, windows_overlapping


async def load_overrides(
    session: AsyncSession, *, region_codes: Collection[str], instants: Collection[datetime]
) -> Overrides:
    if not instants:
        return NO_OVERRIDES
    start, end = min(instants), max(instants) + timedelta(microseconds=1)
    windows = await windows_overlapping(session, start=start, end=end)
    return Overrides(
        declarations=await declared_causes(session, sorted(set(region_codes))),
        windows=scheduled(windows, start=start, end=end),
    )
