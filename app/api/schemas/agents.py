"""What admins send to register a vantage agent, and what the agent routes answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.plain_text import PLAIN_TEXT
from app.core.regions.code_fields import RegionCodeIn
from app.core.vantage import Reading
from app.store import agents as store
from app.store.agents import Agent, AgentStatus, Agreement


class AgentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_code: RegionCodeIn = Field(examples=["73.73"])
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), PLAIN_TEXT
    ]


class AgentPublic(BaseModel):
    id: int
    region_code: str
    name: str
    version: str | None
    interval_seconds: float | None
    clock_offset_ms: float | None = Field(description="Server time minus the agent's")
    last_seen_at: datetime | None
    created_at: datetime
    status: AgentStatus = Field(
        description="`pending`: never heard from; `stale`: silent too long (not an outage)"
    )

    @classmethod
    def of(cls, agent: Agent, *, stale_since: datetime) -> AgentPublic:
        fields = agent.model_dump(exclude={"key_id", "created_by"})
        return cls(**fields, status=store.status_of(agent, since=stale_since))


class AgentIssued(AgentPublic):
    token: str = Field(description="The agent's `agent:push` token, shown this once")


class AgentSees(AgentPublic):
    reading: Reading
    reachable: dict[str, bool] = Field(description="By role: some target of it answered")


class RegionVantage(BaseModel):
    region_code: str
    agreement: Agreement = Field(
        description="Whether the region's live agents read it the same way"
    )
    readings: dict[str, int]
    agents: list[AgentSees]
