"""Maintenance windows: planned periods in which a service's failures read as maintenance.
A row holds the first occurrence, an optional RRULE and its time zone, and its targets
(region codes, each covering the codes under it, and service ids)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Text, or_
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import InvalidInput
from app.core.overrides import ScheduledWindow
from app.core.windows import InvalidWindow, WindowSpec, between, validate
from app.store.models import Region, Service, _utc
from app.store.types import JSONDocument, utcnow

log = logging.getLogger(__name__)


class MaintenanceWindow(SQLModel, table=True):
    __tablename__ = "maintenance_window"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    note: str | None = Field(default=None, sa_type=Text)
    starts_at: datetime = _utc(index=True)
    ends_at: datetime = _utc(index=True)
    rrule: str | None = Field(default=None, max_length=500)
    timezone: str = Field(default="Asia/Jakarta", max_length=32)
    regions: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    service_ids: list[int] = Field(default_factory=list, sa_type=JSONDocument)
    created_at: datetime = _utc(now=True)
    updated_at: datetime = _utc(now=True)

    @property
    def spec(self) -> WindowSpec:
        return WindowSpec(self.starts_at, self.ends_at, self.rrule, self.timezone)


async def check_window(session: AsyncSession, window: MaintenanceWindow) -> None:
    """InvalidInput naming the field, unless the window computes and its targets exist."""
    try:
        validate(window.spec)
    except InvalidWindow as exc:
        value = getattr(window, exc.field)
        shown = value.isoformat() if isinstance(value, datetime) else value
        raise InvalidInput(("body", exc.field), str(exc), shown) from exc
    if not window.regions and not window.service_ids:
        raise InvalidInput(("body", "regions"), "name at least one region or service")
    if window.regions:
        query = select(Region.code).where(col(Region.code).in_(window.regions))
        known_regions = set((await session.exec(query)).all())
        for index, code in enumerate(window.regions):
            if code not in known_regions:
                message = f"region {code!r} does not exist"
                raise InvalidInput(("body", "regions", index), message, code)
    if window.service_ids:
        query_ids = select(Service.id).where(col(Service.id).in_(window.service_ids))
        known_services = set((await session.exec(query_ids)).all())
        for index, service_id in enumerate(window.service_ids):
            if service_id not in known_services:
                message = f"service {service_id} does not exist"
                raise InvalidInput(("body", "service_ids", index), message, service_id)


async def add_window(session: AsyncSession, window: MaintenanceWindow) -> MaintenanceWindow:
    await check_window(session, window)
    session.add(window)
    await session.flush()
    return window


async def update_window(
    session: AsyncSession, window: MaintenanceWindow, *, changes: dict[str, Any]
) -> None:
    for name, value in changes.items():
        setattr(window, name, value)
    await check_window(session, window)
    window.updated_at = utcnow()
    session.add(window)
    await session.flush()


async def get_window(session: AsyncSession, window_id: int) -> MaintenanceWindow | None:
    return await session.get(MaintenanceWindow, window_id)


async def delete_window(session: AsyncSession, window: MaintenanceWindow) -> None:
    await session.delete(window)
    await session.flush()


async def list_windows(session: AsyncSession) -> list[MaintenanceWindow]:
    query = select(MaintenanceWindow).order_by(col(MaintenanceWindow.id).desc())
    return list((await session.exec(query)).all())


@lru_cache(maxsize=1024)
def _report_once(window_id: int | None, field: str, problem: str) -> None:
    """Cached on its arguments, so a bad row is logged once, not on every batch."""
    log.error(
        "maintenance window %s cannot be evaluated and is ignored until fixed or deleted: %s: %s",
        window_id,
        field,
        problem,
    )


def is_usable(window: MaintenanceWindow) -> bool:
    """False for a row the API would refuse (one written around it, straight into the
    database): it is left out, so one bad row never stops the checker or breaks a page."""
    try:
        validate(window.spec)
    except InvalidWindow as exc:
        _report_once(window.id, exc.field, str(exc))
        return False
    return True


async def windows_overlapping(
    session: AsyncSession, *, start: datetime, end: datetime
) -> list[MaintenanceWindow]:
    """Usable windows that may have an occurrence in [start, end): one indexed query."""
    one_off = (col(MaintenanceWindow.rrule).is_(None)) & (col(MaintenanceWindow.ends_at) > start)
    query = select(MaintenanceWindow).where(
        col(MaintenanceWindow.starts_at) < end,
        or_(col(MaintenanceWindow.rrule).is_not(None), one_off),
    )
    rows = (await session.exec(query.order_by(col(MaintenanceWindow.id)))).all()
    return [window for window in rows if is_usable(window)]


def scheduled(
    windows: Sequence[MaintenanceWindow], *, start: datetime, end: datetime
) -> list[ScheduledWindow]:
    """The windows' occurrences in [start, end), in the form the recording path applies."""
    found = []
    for window in windows:
        occurrences = between(window.spec, start=start, end=end)
        if occurrences and window.id is not None:
            found.append(
                ScheduledWindow(
                    window_id=window.id,
                    title=window.title,
                    regions=tuple(window.regions),
                    service_ids=frozenset(window.service_ids),
                    occurrences=tuple(occurrences),
                )
            )
    return found
