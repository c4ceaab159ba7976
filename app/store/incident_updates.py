"""Incident updates: the story operators tell of an incident, in Indonesian and English, with
Statuspage's update statuses. The incident itself stays derived from transitions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.store.models import _utc


class UpdateStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class IncidentUpdate(SQLModel, table=True):
    __tablename__ = "incident_update"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("incident.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    status: UpdateStatus = Field(sa_type=String(16))
    body_id: str = Field(sa_type=Text)
    body_en: str = Field(sa_type=Text)
    created_by: str = Field(max_length=40)
    created_at: datetime = _utc(now=True)


async def add_update(session: AsyncSession, update: IncidentUpdate) -> IncidentUpdate:
    session.add(update)
    await session.flush()
    return update


async def updates_of(session: AsyncSession, incident_id: int) -> list[IncidentUpdate]:
    """An incident's updates, newest first (Statuspage's order)."""
    query = select(IncidentUpdate).where(IncidentUpdate.incident_id == incident_id)
    return list((await session.exec(query.order_by(col(IncidentUpdate.id).desc()))).all())


async def updates_of_incidents(
    session: AsyncSession, incident_ids: list[int]
) -> dict[int, list[IncidentUpdate]]:
    """Updates of several incidents at once, newest first: for incident lists and Statuspage."""
    by_incident: dict[int, list[IncidentUpdate]] = {incident_id: [] for incident_id in incident_ids}
    if not incident_ids:
        return by_incident
    query = select(IncidentUpdate).where(col(IncidentUpdate.incident_id).in_(incident_ids))
    for update in (await session.exec(query.order_by(col(IncidentUpdate.id).desc()))).all():
        by_incident[update.incident_id].append(update)
    return by_incident
