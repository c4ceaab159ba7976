"""Agents' tokens, remembered per process once found in the database, so an agent's push (one
from each of thousands of agents every 30 s) is admitted before its body without a read.

Only a token whose key can do nothing but `agent:push`, and only for a route asking for that
scope alone: that route is the push, whose write notes the key's use only while the key is
live (`app.store.keys.note_live_use`) and otherwise stores nothing and asks the database again
(`confirm`), so a revoked key (its agent removed, here or on another replica) is refused at
once, as before. The cost: a revoked agent token's body is read before it is refused, as a
live one's is."""

from __future__ import annotations

from starlette.types import Scope as AsgiScope

from app.core.errors import Forbidden
from app.http.auth import Principal, admit
from app.store.keys import Scope, hash_token

MAX_KNOWN = 100_000  # tokens remembered; past it, the oldest remembered is forgotten
PUSH_ONLY = (str(Scope.AGENT_PUSH),)
REMEMBERED = "pantau.remembered"  # ASGI scope key: the gate admitted a remembered token


def pushes_only(principal: Principal) -> bool:
    return principal.key_id is not None and principal.scopes == frozenset(PUSH_ONLY)


class PushTokens:
    """One per app (see `push_tokens`). Keyed by the token's hash, as the database keeps it."""

    def __init__(self, limit: int = MAX_KNOWN) -> None:
        self._known: dict[str, Principal] = {}
        self._limit = limit

    def get(self, token: str) -> Principal | None:
        return self._known.get(hash_token(token))

    def remember(self, token: str, principal: Principal) -> None:
        if not pushes_only(principal):
            return
        digest = hash_token(token)
        if digest not in self._known and len(self._known) >= self._limit:
            del self._known[next(iter(self._known))]
        self._known[digest] = principal

    def forget(self, token: str) -> None:
        self._known.pop(hash_token(token), None)


def push_tokens(scope: AsgiScope) -> PushTokens:
    """The app's PushTokens, made on first use."""
    state = scope["app"].state
    tokens: PushTokens | None = getattr(state, "push_tokens", None)
    if tokens is None:
        tokens = state.push_tokens = PushTokens()
    return tokens


async def confirm(scope: AsgiScope, token: str | None, *, revoked: bool = False) -> None:
    """For a push admitted on a remembered token (or any, when its write found the key
    `revoked`): the token is forgotten and looked up in the database, raising as the gate
    would have (403 for a revoked key)."""
    if token is None or not (revoked or scope.get(REMEMBERED)):
        return
    push_tokens(scope).forget(token)
    state = scope["app"].state
    await admit(token, PUSH_ONLY[0], state.settings, state.db, note_use=False)
    if revoked:  # revoked while this push was written, live again never
        raise Forbidden("invalid or revoked bearer token")
