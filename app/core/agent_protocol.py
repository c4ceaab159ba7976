"""The wire format an agent pushes (`POST /api/v1/agents/{id}/results`), shared by both sides,
and the server's clock correction. Pure.

What travels is only reachability: a target's name and role, whether it answered, its HTTP
status, the latency and the failure kind. Never a URL, a body, a header or anything personal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.instants import Instant
from app.core.plain_text import PLAIN_TEXT
from app.core.vantage import Role

MAX_RESULTS_PER_BATCH = 500
MAX_BATCH_BYTES = 256 * 1024
# Results may wait this long in an agent's buffer; anything older is a broken clock, not a
# long outage, and is refused by the server (and pruned by the agent).
MAX_RESULT_AGE = timedelta(days=7)

Name = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w.:-]+$")]


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: int = Field(ge=1, le=2**31 - 1, description="Increases within a stream: order, identity")
    target: Name = Field(examples=["central-1"])
    role: Role
    observed_at: Instant = Field(description="The agent's clock; the server corrects it")
    reachable: bool = Field(description="The target answered over HTTP (any status)")
    status_code: int | None = Field(default=None, ge=100, le=599)
    latency_ms: float | None = Field(default=None, ge=0, le=600_000)
    failure: Name | None = Field(default=None, description="timeout, connect, protocol, other")


class ResultBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stream: Name = Field(description="Identifies the agent's buffer; seq restarts with a new one")
    sent_at: Instant = Field(description="The agent's clock when it sent this batch")
    agent_version: Annotated[str, StringConstraints(max_length=40), PLAIN_TEXT] = ""
    interval_seconds: float | None = Field(default=None, gt=0, le=86_400)
    results: list[ResultIn] = Field(max_length=MAX_RESULTS_PER_BATCH)


class PushReceipt(BaseModel):
    accepted: int
    duplicates: int
    clamped: int = Field(description="Results stamped later than sent: moved to the send time")
    clock_offset_ms: float = Field(description="Server time minus the agent's, at sending")
    last_seq: int | None


@dataclass(frozen=True, slots=True)
class Corrected:
    observed_at: datetime
    is_clamped: bool


def clock_offset(*, sent_at: datetime, received_at: datetime) -> timedelta:
    """How far the agent's clock is behind the server's (negative: ahead). Includes the
    request's transit time, which is small against the intervals involved."""
    return received_at - sent_at


def correct(observed_at: datetime, *, offset: timedelta, received_at: datetime) -> Corrected:
    """Server time wins: the agent's timestamp shifted by the offset, and never later than
    the batch's arrival (a result cannot be observed after it was sent)."""
    shifted = observed_at + offset
    if shifted > received_at:
        return Corrected(received_at, is_clamped=True)
    return Corrected(shifted, is_clamped=False)


def is_too_old(observed_at: datetime, *, sent_at: datetime) -> bool:
    return sent_at - observed_at > MAX_RESULT_AGE
