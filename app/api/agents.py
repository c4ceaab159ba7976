"""Vantage agents: admins register them (each gets an `agent:push` token bound to its region),
agents push their results, and anyone reads what a region's agents see."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.audit import record_write
from app.api.schemas.agents import AgentCreate, AgentIssued, AgentPublic, AgentSees, RegionVantage
from app.core.agent_protocol import MAX_BATCH_BYTES, PushReceipt
from app.core.errors import Forbidden, InvalidInput, NotFound
from app.core.vantage import Reading, reading
from app.http.agent_batch import batch_schema, parse_batch, read_body
from app.http.auth import AUTH_RESPONSES, AdminDep, Principal, require_scope
from app.http.auth_gate import bearer_token
from app.http.deps import DatabaseDep, ReadSession, SettingsDep
from app.http.push_tokens import confirm
from app.http.region_codes import RegionCode, optional_region_code
from app.http.responses import not_found
from app.reads.push_rights import KnownAgents, PushRights
from app.settings import Settings
from app.store import agents as store
from app.store.agents import Agent, Push
from app.store.keys import Scope, create_key, get_key, mark_used, revoke_key
from app.store.services import known_region_codes
from app.store.types import utcnow
from app.usecases.agent_pushes import KeyRevoked, PushWrite, PushWriter

router = APIRouter(prefix="/api/v1/agents", tags=["agents"])
region_router = APIRouter(prefix="/api/v1/regions", tags=["agents"])

AgentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No agent has this id"}}
PUSH_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    **NOT_FOUND,
    413: {"description": f"Body over {MAX_BATCH_BYTES} bytes"},
}
# The push notes its key's use itself (see push_results).
AgentPusher = Annotated[Principal, Depends(require_scope(Scope.AGENT_PUSH, note_use=False))]


def _stale_since(settings: Settings) -> datetime:
    return utcnow() - timedelta(seconds=settings.agent_stale_after)


async def _agent(session: AsyncSession, agent_id: int, *, lock: bool = False) -> Agent:
    agent = await store.get_agent(session, agent_id, lock=lock)
    if agent is None:
        raise NotFound("agent", agent_id)
    return agent


def _ensure_may_push(principal: Principal, agent: PushRights, holder: PushRights | None) -> None:
    """An agent's own token pushes for that agent alone: were it good for its whole region,
    one office machine could speak as every agent there and fill a quorum by itself. Other
    `agent:push` keys push for the agents in their area (a province's key for its regencies'
    and cities' agents), admins for any agent; an unbound `agent:push` key for none.
    `holder`: the agent the principal's key was issued to, if any."""
    if principal.is_admin:
        return
    if holder is not None and holder.agent_id != agent.agent_id:
        raise Forbidden(
            f"this token belongs to agent {holder.agent_id}; "
            f"it may not push for agent {agent.agent_id} (region {agent.region_code})"
        )
    if principal.region_code is None:
        raise Forbidden(
            f"this token may not push for agent {agent.agent_id} (region {agent.region_code}):"
            " it is bound to no region"
        )
    principal.require_area(agent.region_code, loc=("path", "agent_id"))


async def known_agents(request: Request) -> KnownAgents:
    """The app's KnownAgents, made on first use."""
    state = request.app.state
    known: KnownAgents | None = getattr(state, "known_agents", None)
    if known is None:
        known = state.known_agents = KnownAgents()
    return known


KnownAgentsDep = Annotated[KnownAgents, Depends(known_agents)]


async def push_writer(request: Request) -> PushWriter:
    """The app's PushWriter, made on first use."""
    state = request.app.state
    writer: PushWriter | None = getattr(state, "push_writer", None)
    if writer is None:
        writer = state.push_writer = PushWriter(state.db)
    return writer


PushWriterDep = Annotated[PushWriter, Depends(push_writer)]


@router.post("", status_code=201, response_model=AgentIssued, responses=AUTH_RESPONSES)
async def register_agent(
    body: AgentCreate, database: DatabaseDep, settings: SettingsDep, principal: AdminDep
) -> AgentIssued:
    """Register an agent for a region; the response holds its token, shown only here."""
    async with database.transaction() as session:
        if not await known_region_codes(session, [body.region_code]):
            raise InvalidInput(("body", "region_code"), "no region has this code", body.region_code)
        key, token = await create_key(
            session,
            name=f"agent {body.name}"[:100],
            scopes=[Scope.AGENT_PUSH],
            created_by=principal.actor,
            region_code=body.region_code,
        )
        agent = await store.add_agent(
            session, Agent(**body.model_dump(), key_id=key.id, created_by=principal.actor)
        )
        public = AgentPublic.of(agent, stale_since=_stale_since(settings))
        await record_write(
            session,
            principal,
            action="agent.create",
            target_type="agent",
            target_id=agent.id,
            after=public,
        )
    return AgentIssued(**public.model_dump(), token=token)


@router.get("", response_model=list[AgentPublic], responses=AUTH_RESPONSES)
async def list_agents(
    session: ReadSession, settings: SettingsDep, _: AdminDep, region: str | None = None
) -> list[AgentPublic]:
    """Every agent (or a region's), with when it was last heard from and whether it is stale."""
    since = _stale_since(settings)
    agents = await store.list_agents(session, region_code=optional_region_code(region))
    return [AgentPublic.of(agent, stale_since=since) for agent in agents]


@router.get("/{agent_id}", response_model=AgentPublic, responses={**NOT_FOUND, **AUTH_RESPONSES})
async def get_agent(
    agent_id: AgentId, session: ReadSession, settings: SettingsDep, _: AdminDep
) -> AgentPublic:
    return AgentPublic.of(await _agent(session, agent_id), stale_since=_stale_since(settings))


@router.delete("/{agent_id}", status_code=204, responses={**NOT_FOUND, **AUTH_RESPONSES})
async def remove_agent(
    agent_id: AgentId,
    database: DatabaseDep,
    settings: SettingsDep,
    principal: AdminDep,
    known: KnownAgentsDep,
) -> Response:
    """Remove an agent and its results; its token stops working at once."""
    async with database.transaction() as session:
        agent = await _agent(session, agent_id, lock=True)
        before = AgentPublic.of(agent, stale_since=_stale_since(settings))
        key = await get_key(session, agent.key_id) if agent.key_id is not None else None
        if key is not None:
            await revoke_key(session, key)
        await store.remove_agent(session, agent)
        await record_write(
            session,
            principal,
            action="agent.delete",
            target_type="agent",
            target_id=agent_id,
            before=before,
        )
    known.forget(agent_id)
    return Response(status_code=204)


@router.post(
    "/{agent_id}/results",
    response_model=PushReceipt,
    responses=PUSH_RESPONSES,
    # The body is read by hand (its size is capped before parsing); document it all the same.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": batch_schema()}},
        }
    },
)
async def push_results(
    agent_id: AgentId,
    request: Request,
    database: DatabaseDep,
    principal: AgentPusher,
    known: KnownAgentsDep,
    writer: PushWriterDep,
) -> PushReceipt:
    """An agent's results, oldest first. Idempotent: results already stored (same stream and
    seq) are counted as duplicates, so a batch whose answer was lost can simply be resent.
    Timestamps are moved to server time by the offset between `sent_at` and arrival."""
    # The key's use is noted in the push's own write (one write a push, not two), or in a
    # transaction of its own when the push is refused before it.
    # An agent's token may have been admitted from memory, unread (app/http/push_tokens.py):
    # the write below stores nothing unless its key is live, and a refusal asks again first.
    token = bearer_token(request.headers.get("authorization"))
    key_id = None if principal.is_admin else principal.key_id
    try:
        agent, holder = await known.rights(database, agent_id, key_id=key_id)
        if agent is None:
            raise NotFound("agent", agent_id)
        _ensure_may_push(principal, agent, holder)
        batch = parse_batch(await read_body(request))
    except Exception:
        await confirm(request.scope, token)
        if principal.key_id is not None:
            async with database.transaction() as session:
                await mark_used(session, principal.key_id)
        raise
    # An agent's own key: only while the agent still holds it (see KnownAgents).
    holder_key = key_id if holder == agent else None
    push = Push(agent_id, batch, utcnow(), holder_key)
    try:
        ingested = await writer.write(PushWrite(push, principal.key_id))
    except KeyRevoked:
        await confirm(request.scope, token, revoked=True)
        raise
    if ingested is None:  # removed since: nothing was stored
        await confirm(request.scope, token)
        raise NotFound("agent", agent_id)
    return PushReceipt(
        accepted=ingested.accepted,
        duplicates=ingested.duplicates,
        clamped=ingested.clamped,
        clock_offset_ms=round(ingested.offset.total_seconds() * 1000, 1),
        last_seq=batch.results[-1].seq if batch.results else None,
    )


@region_router.get(
    "/{code}/agents", response_model=RegionVantage, responses=not_found("region has this code")
)
async def region_vantage(
    code: RegionCode, session: ReadSession, settings: SettingsDep
) -> RegionVantage:
    """What a region's agents see: each with its status and latest reading, and whether the
    live ones agree. A stale agent is shown as such; it is not an outage."""
    if not await known_region_codes(session, [code]):
        raise NotFound("region", code)
    since = _stale_since(settings)
    vantage = await store.region_vantage(session, code, since=since)
    shown = [
        AgentSees(
            **AgentPublic.of(seen.agent, stale_since=since).model_dump(),
            reading=reading(seen.view) if seen.view else Reading.UNKNOWN,
            reachable={str(k): v for k, v in seen.view.reachable.items()} if seen.view else {},
        )
        for seen in vantage.agents
    ]
    readings = {str(kind): count for kind, count in vantage.readings.items()}
    return RegionVantage(
        region_code=code, agreement=vantage.agreement, readings=readings, agents=shown
    )
