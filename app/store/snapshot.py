"""The whole country's current state in two aggregate queries, and the data version that says
whether anything the read API shows has changed since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.domain import Reason, RegionLevel, State
from app.core.regions.overview import RegionRow, StateGroup
from app.store.declarations import Declaration
from app.store.incident_updates import IncidentUpdate
from app.store.letters import Letter
from app.store.maintenance import MaintenanceWindow
from app.store.models import Region, Service, Transition


async def region_rows(session: AsyncSession) -> list[RegionRow]:
    query = select(Region.code, Region.name, Region.level, Region.parent_code)
    rows = (await session.exec(query.order_by(col(Region.code)))).all()
    return [RegionRow(c, n, RegionLevel(lv), p) for c, n, lv, p in rows]


async def state_groups(session: AsyncSession) -> list[StateGroup]:
    query = (
        sql_select(
            col(Service.region_code),
            col(Service.state),
            col(Service.reason),
            func.min(col(Service.state_changed_at)),
            func.count(),
        )
        .where(col(Service.is_paused).is_(False))
        .group_by(col(Service.region_code), col(Service.state), col(Service.reason))
    )
    # Five columns: past what SQLModel's typed select() spells, so through the connection.
    rows = (await (await session.connection()).execute(query)).all()
    return [
        StateGroup(code, State(state), Reason(reason) if reason else None, since, count)
        for code, state, reason, since, count in rows
    ]


def _scalar(*columns: Any) -> Any:
    return select(*columns).scalar_subquery()


# One statement: each part is an index lookup or a scan of a small table.
VERSION = sql_select(
    _scalar(func.max(Transition.id)),
    select(Transition.at).order_by(col(Transition.id).desc()).limit(1).scalar_subquery(),
    _scalar(func.count(col(Service.id))),
    _scalar(func.max(Service.updated_at)),
    _scalar(func.count(col(Region.code))),
    _scalar(func.max(Declaration.id)),
    _scalar(func.max(IncidentUpdate.id)),
    _scalar(func.max(MaintenanceWindow.updated_at)),
    _scalar(func.count(col(MaintenanceWindow.id))),
    _scalar(func.max(Letter.uploaded_at)),  # a letter attached, replaced or made public
    _scalar(func.count(col(Letter.declaration_id))),
)


@dataclass(frozen=True, slots=True)
class DataVersion:
    """Changes whenever a transition, a service, a region, a declaration, an incident update,
    a maintenance window or a declaration's letter is written; `newest_at` is when the newest
    transition happened."""

    key: tuple[Any, ...]
    newest_at: datetime | None


async def data_version(connection: AsyncConnection) -> DataVersion:
    row = (await connection.execute(VERSION)).one()
    return DataVersion(key=tuple(row), newest_at=row[1])


async def service_times(session: AsyncSession) -> dict[str, tuple[datetime, datetime]]:
    """Per region: when its first non-paused service was created, and last changed."""
    query = (
        select(Service.region_code, func.min(Service.created_at), func.max(Service.updated_at))
        .where(col(Service.is_paused).is_(False))
        .group_by(col(Service.region_code))
    )
    return {code: (first, last) for code, first, last in (await session.exec(query)).all()}
