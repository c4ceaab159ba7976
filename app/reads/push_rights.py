"""Who may push for an agent, read once per process rather than on every push (each of
thousands of agents pushes every 30 s): an agent's region, and the key issued with it.

Only an agent's own key is answered from memory. That is safe because neither fact ever
changes once the agent is registered, and removing the agent revokes its key, which the
request's authentication checks in the database every time; the push's own write then
stores nothing unless the agent still holds that key (`app.store.agents.ingest`), so even an
agent removed on another replica between the two (and its id reused, as SQLite may) gets
nothing. Any other key (an admin's, a province's) is checked against the database."""

from __future__ import annotations

from dataclasses import dataclass

from app.store.agents import Agent, agent_and_holder
from app.store.db import Database

MAX_KNOWN = 100_000  # agents remembered; past it, the oldest remembered is forgotten


@dataclass(frozen=True, slots=True)
class PushRights:
    agent_id: int
    region_code: str
    key_id: int | None

    @classmethod
    def of(cls, agent: Agent | None) -> PushRights | None:
        if agent is None or agent.id is None:
            return None
        return cls(agent.id, agent.region_code, agent.key_id)


class KnownAgents:
    """One per app (see `known_agents`)."""

    def __init__(self, limit: int = MAX_KNOWN) -> None:
        self._known: dict[int, PushRights] = {}
        self._limit = limit

    async def rights(
        self, database: Database, agent_id: int, *, key_id: int | None
    ) -> tuple[PushRights | None, PushRights | None]:
        """The agent's rights (None: no such agent) and those of the agent holding `key_id`
        (None: no agent holds it, or `key_id` is None)."""
        known = self._known.get(agent_id)
        if known is not None and key_id is not None and known.key_id == key_id:
            return known, known
        async with database.read() as session:
            agent, holder = await agent_and_holder(session, agent_id, key_id=key_id)
        rights = PushRights.of(agent)
        if rights is not None:
            self._remember(rights)
        return rights, PushRights.of(holder)

    def forget(self, agent_id: int) -> None:
        self._known.pop(agent_id, None)

    def _remember(self, rights: PushRights) -> None:
        if rights.agent_id not in self._known and len(self._known) >= self._limit:
            del self._known[next(iter(self._known))]
        self._known[rights.agent_id] = rights
