"""Agents inside office networks and the results they push. A result is identified by
(agent, stream, seq), so a batch sent twice (its acknowledgement lost) is stored once."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    delete,
    func,
    or_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.agent_protocol import ResultBatch, clock_offset, correct
from app.core.vantage import AgentView, Reading, Role, reading
from app.store.models import _utc


class Agent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(
        sa_column=Column(String(8), ForeignKey("region.code"), nullable=False, index=True)
    )
    name: str = Field(max_length=100)
    # The agent:push key issued with it; revoked when the agent is removed.
    key_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("api_key.id", ondelete="SET NULL"))
    )
    version: str | None = Field(default=None, max_length=40)
    interval_seconds: float | None = None
    clock_offset_ms: float | None = None
    last_seen_at: datetime | None = _utc(nullable=True)
    created_by: str = Field(max_length=40)
    created_at: datetime = _utc(now=True)


class AgentResult(SQLModel, table=True):
    __tablename__ = "agent_result"
    __table_args__ = (
        UniqueConstraint("agent_id", "stream", "seq"),
        Index("ix_agent_result_agent_id_observed_at", "agent_id", "observed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(
        sa_column=Column(ForeignKey("agent.id", ondelete="CASCADE"), nullable=False)
    )
    stream: str = Field(max_length=64)
    seq: int
    target: str = Field(max_length=64)
    role: Role = Field(sa_type=String(16))
    observed_at: datetime = _utc()  # corrected to server time
    reported_at: datetime = _utc()  # as the agent's clock had it
    received_at: datetime = _utc()
    is_reachable: bool
    status_code: int | None = None
    latency_ms: float | None = None
    failure: str | None = Field(default=None, max_length=64)
    is_clamped: bool = False


AgentStatus = Literal["pending", "active", "stale"]
Agreement = Literal["none", "agree", "disagree"]


def is_stale(agent: Agent, *, since: datetime) -> bool:
    """Silent since before `since` (or never heard from)."""
    return agent.last_seen_at is None or agent.last_seen_at < since


def status_of(agent: Agent, *, since: datetime) -> AgentStatus:
    """`pending`: never heard from; `stale`: silent since before `since` (not an outage)."""
    if agent.last_seen_at is None:
        return "pending"
    return "stale" if is_stale(agent, since=since) else "active"


async def add_agent(session: AsyncSession, agent: Agent) -> Agent:
    session.add(agent)
    await session.flush()
    return agent


async def list_agents(session: AsyncSession, *, region_code: str | None = None) -> list[Agent]:
    query = select(Agent).order_by(col(Agent.id))
    if region_code is not None:
        query = query.where(Agent.region_code == region_code)
    return list((await session.exec(query)).all())


async def get_agent(session: AsyncSession, agent_id: int, *, lock: bool = False) -> Agent | None:
    query = select(Agent).where(Agent.id == agent_id)
    if lock:  # one push per agent at a time: a retried batch waits for the original
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def agent_holding_key(session: AsyncSession, key_id: int) -> Agent | None:
    """The agent this key was issued to at registration, if it was issued to one."""
    return (await session.exec(select(Agent).where(Agent.key_id == key_id))).first()


async def agent_and_holder(
    session: AsyncSession, agent_id: int, *, key_id: int | None
) -> tuple[Agent | None, Agent | None]:
    """`get_agent(agent_id)` and `agent_holding_key(key_id)` in one query (a push asks both)."""
    query = select(Agent).where(col(Agent.id) == agent_id)
    if key_id is not None:
        query = select(Agent).where(or_(col(Agent.id) == agent_id, col(Agent.key_id) == key_id))
    agents = (await session.exec(query)).all()
    agent = next((a for a in agents if a.id == agent_id), None)
    holder = next((a for a in agents if key_id is not None and a.key_id == key_id), None)
    return agent, holder


async def remove_agent(session: AsyncSession, agent: Agent) -> None:
    await session.exec(delete(AgentResult).where(col(AgentResult.agent_id) == agent.id))  # type: ignore[call-overload]
    await session.delete(agent)
    await session.flush()


# Agents one prune transaction covers: short transactions, so pushes never wait long on it.
PRUNE_AGENTS = 200


async def agent_ids(session: AsyncSession, *, after: int = 0, limit: int) -> list[int]:
    """Agent ids past `after`, ascending: the prune walks the agents a chunk at a time."""
    query = select(col(Agent.id)).where(col(Agent.id) > after).order_by(col(Agent.id))
    return [agent_id for agent_id in (await session.exec(query.limit(limit))).all() if agent_id]


async def prune_results(
    session: AsyncSession, *, agent_ids: Collection[int], before: datetime
) -> int:
    """These agents' results observed before `before`. Asked per agent, so each is a range of
    the (agent_id, observed_at) index, never a scan of the whole table."""
    if not agent_ids:
        return 0
    statement = delete(AgentResult).where(
        col(AgentResult.agent_id).in_(set(agent_ids)), col(AgentResult.observed_at) < before
    )
    result = await session.exec(statement)  # type: ignore[call-overload]
    return int(getattr(result, "rowcount", 0) or 0)


async def results_of(session: AsyncSession, agent_id: int) -> list[AgentResult]:
    """Every stored result of an agent, in the order received."""
    query = select(AgentResult).where(AgentResult.agent_id == agent_id)
    return list((await session.exec(query.order_by(col(AgentResult.id)))).all())


async def latest_results(
    session: AsyncSession, *, agent_ids: Collection[int], since: datetime
) -> list[AgentResult]:
    """Each agent's latest result per target, observed since `since`."""
    if not agent_ids:
        return []
    rank = (
        func.row_number()
        .over(
            partition_by=(col(AgentResult.agent_id), col(AgentResult.target)),
            order_by=(col(AgentResult.observed_at).desc(), col(AgentResult.id).desc()),
        )
        .label("rank")
    )
    ranked = (
        select(col(AgentResult.id), rank)
        .where(col(AgentResult.agent_id).in_(agent_ids), col(AgentResult.observed_at) >= since)
        .subquery()
    )
    query = (
        select(AgentResult)
        .join(ranked, col(AgentResult.id) == ranked.c.id)
        .where(ranked.c.rank == 1)
        .order_by(col(AgentResult.agent_id), col(AgentResult.target))
    )
    return list((await session.exec(query)).all())


def view_of(agent: Agent, results: Sequence[AgentResult]) -> AgentView:
    """A role is reachable when any of its targets answered in its latest result."""
    reachable: dict[Role, bool] = {}
    for result in results:
        role = Role(result.role)
        reachable[role] = reachable.get(role, False) or result.is_reachable
    observed = max((r.observed_at for r in results), default=None)
    return AgentView(agent.id or 0, agent.name, reachable, observed)


async def live_views(
    session: AsyncSession, *, region_codes: Collection[str], since: datetime
) -> dict[str, list[AgentView]]:
    """For each region, the views of its agents heard from since `since`, from their results
    observed since then. Stale agents have no say."""
    if not region_codes:
        return {}
    query = select(Agent).where(
        col(Agent.region_code).in_(set(region_codes)), col(Agent.last_seen_at) >= since
    )
    agents = list((await session.exec(query.order_by(col(Agent.id)))).all())
    by_agent: dict[int, list[AgentResult]] = defaultdict(list)
    agent_ids = [agent.id for agent in agents if agent.id is not None]
    for result in await latest_results(session, agent_ids=agent_ids, since=since):
        by_agent[result.agent_id].append(result)
    views: dict[str, list[AgentView]] = defaultdict(list)
    for agent in agents:
        results = by_agent.get(agent.id or 0)
        if results:
            views[agent.region_code].append(view_of(agent, results))
    return dict(views)


@dataclass(frozen=True, slots=True)
class SeenAgent:
    """An agent with its live view: None when stale, pending or without recent results."""

    agent: Agent
    view: AgentView | None


@dataclass(frozen=True, slots=True)
class RegionVantage:
    """What a region's agents see: every agent (stale ones too) and the live views."""

    agents: list[SeenAgent]
    views: list[AgentView]

    @property
    def readings(self) -> Counter[Reading]:
        return Counter(reading(view) for view in self.views)

    @property
    def agreement(self) -> Agreement:
        """Whether the live agents read the region the same way; `none` when none is live."""
        kinds = len(self.readings)
        return "none" if not kinds else "agree" if kinds == 1 else "disagree"


async def region_vantage(session: AsyncSession, code: str, *, since: datetime) -> RegionVantage:
    """A region's agents, each with its view from results observed since `since`."""
    agents = await list_agents(session, region_code=code)
    views = (await live_views(session, region_codes=[code], since=since)).get(code, [])
    by_id = {view.agent_id: view for view in views}
    return RegionVantage([SeenAgent(agent, by_id.get(agent.id or 0)) for agent in agents], views)


@dataclass(frozen=True, slots=True)
class Ingested:
    accepted: int
    duplicates: int
    clamped: int
    offset: timedelta


@dataclass(frozen=True, slots=True)
class Push:
    """A batch to store for an agent, as received. Given `key_id`, it is stored only while
    the agent holds that key (see `ingest`)."""

    agent_id: int
    batch: ResultBatch
    received_at: datetime
    key_id: int | None = None

    @property
    def offset(self) -> timedelta:
        return clock_offset(sent_at=self.batch.sent_at, received_at=self.received_at)


def _rows(push: Push) -> list[dict[str, Any]]:
    rows = []
    for result in push.batch.results:
        corrected = correct(result.observed_at, offset=push.offset, received_at=push.received_at)
        rows.append(
            {
                "agent_id": push.agent_id,
                "stream": push.batch.stream,
                "seq": result.seq,
                "target": result.target,
                "role": str(result.role),
                "observed_at": corrected.observed_at,
                "reported_at": result.observed_at,
                "received_at": push.received_at,
                "is_reachable": result.reachable,
                "status_code": result.status_code,
                "latency_ms": result.latency_ms,
                "failure": result.failure,
                "is_clamped": corrected.is_clamped,
            }
        )
    return rows


def _insert_new(dialect: str) -> Any:
    """Results not stored yet; those already stored (same agent, stream and seq) are skipped
    by the unique constraint, and what was inserted comes back, named by that key."""
    table = AgentResult.__table__  # type: ignore[attr-defined]
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_for(table).on_conflict_do_nothing(
        index_elements=["agent_id", "stream", "seq"]
    )
    return statement.returning(table.c.agent_id, table.c.stream, table.c.seq, table.c.is_clamped)


# Built once: a statement carries its memoized cache key, so a push skips building it.
_INSERT_NEW = {dialect: _insert_new(dialect) for dialect in ("postgresql", "sqlite")}


async def _note_heard(session: AsyncSession, push: Push) -> bool:
    """The agent was heard from; False when it does not exist (removed meanwhile), or does
    not hold the push's `key_id` when one is given."""
    values: dict[str, Any] = {
        "last_seen_at": push.received_at,
        "clock_offset_ms": round(push.offset.total_seconds() * 1000, 1),
    }
    if push.batch.agent_version:
        values["version"] = push.batch.agent_version
    if push.batch.interval_seconds:
        values["interval_seconds"] = push.batch.interval_seconds
    table = Agent.__table__  # type: ignore[attr-defined]
    statement = update(table).where(table.c.id == push.agent_id)
    if push.key_id is not None:
        statement = statement.where(table.c.key_id == push.key_id)
    statement = statement.values(values).returning(table.c.id)
    return (await (await session.connection()).execute(statement)).first() is not None


async def ingest_many(session: AsyncSession, pushes: Sequence[Push]) -> list[Ingested | None]:
    """Store each push's new results (a retried batch's known ones are skipped) in server
    time, and note that its agent was heard from: one INSERT for all of them. For each push,
    in order, what it stored; None, storing nothing, when no agent has its id (or, given
    `key_id`, none with its id holds that key).

    Each agent's row is updated first: that locks it until the transaction ends, so one push
    per agent runs at a time (a retried batch waits for the original, then finds its results
    stored). The same batch twice among `pushes` is stored by the first; the second finds
    it all duplicates, as it would a moment later.

    Results past the retention are pruned by the checker's side job (`prune_results`), not
    here: a delete on every push was a sixth of its write."""
    heard = {id(push) for push in pushes if await _note_heard(session, push)}
    rows = [row for push in pushes if id(push) in heard for row in _rows(push)]
    connection = await session.connection()
    statement = _INSERT_NEW[connection.dialect.name]
    inserted = (await connection.execute(statement, rows)).all() if rows else []
    new = {(row.agent_id, row.stream, row.seq): row.is_clamped for row in inserted}
    return [_stored(push, new) if id(push) in heard else None for push in pushes]


def _stored(push: Push, new: dict[tuple[int, str, int], bool]) -> Ingested:
    """What the push stored of the rows `new` (taken from it, so the same batch twice is
    credited once)."""
    keys = [(push.agent_id, push.batch.stream, result.seq) for result in push.batch.results]
    stored = [new.pop(key) for key in keys if key in new]
    return Ingested(len(stored), len(keys) - len(stored), sum(stored), push.offset)


async def ingest(
    session: AsyncSession,
    agent_id: int,
    batch: ResultBatch,
    *,
    received_at: datetime,
    key_id: int | None = None,
) -> Ingested | None:
    """`ingest_many` for one push."""
    return (await ingest_many(session, [Push(agent_id, batch, received_at, key_id)]))[0]
