"""API keys: admins issue scoped tokens (shown once), list them and revoke them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from app.api.audit import record_write
from app.api.schemas.keys import KeyCreate, KeyIssued, KeyPublic
from app.core.errors import InvalidInput, NotFound
from app.http.auth import AUTH_RESPONSES, AdminDep
from app.http.deps import DatabaseDep, ReadSession
from app.store import keys as store
from app.store.keys import Scope
from app.store.services import known_region_codes

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])

KeyId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No key has this id"}}


@router.post("", status_code=201, response_model=KeyIssued, responses=AUTH_RESPONSES)
async def create_key(body: KeyCreate, database: DatabaseDep, principal: AdminDep) -> KeyIssued:
    """Issue a key; its token is in this response and nowhere else. With `region_code`, the
    key's writes are confined to that area (not for `admin` keys)."""
    if body.region_code is not None and Scope.ADMIN in body.scopes:
        message = "an admin key holds every region: it cannot be bound to one"
        raise InvalidInput(("body", "region_code"), message, body.region_code)
    async with database.transaction() as session:
        if body.region_code is not None and not await known_region_codes(
            session, [body.region_code]
        ):
            raise InvalidInput(("body", "region_code"), "no region has this code", body.region_code)
        key, token = await store.create_key(
            session,
            name=body.name,
            scopes=body.scopes,
            created_by=principal.actor,
            region_code=body.region_code,
        )
        public = KeyPublic.of(key)
        await record_write(
            session,
            principal,
            action="key.create",
            target_type="key",
            target_id=key.id,
            after=public,
        )
    return KeyIssued(**public.model_dump(), token=token)


@router.get("", response_model=list[KeyPublic], responses=AUTH_RESPONSES)
async def list_keys(session: ReadSession, _: AdminDep) -> list[KeyPublic]:
    """Every key, revoked ones included; never a token."""
    return [KeyPublic.of(key) for key in await store.list_keys(session)]


@router.delete("/{key_id}", status_code=204, responses={**NOT_FOUND, **AUTH_RESPONSES})
async def revoke_key(key_id: KeyId, database: DatabaseDep, principal: AdminDep) -> Response:
    """Revoke a key: its token stops working at once. Revoking twice changes nothing."""
    async with database.transaction() as session:
        key = await store.get_key(session, key_id)
        if key is None:
            raise NotFound("key", key_id)
        before = KeyPublic.of(key)
        if await store.revoke_key(session, key):
            await record_write(
                session,
                principal,
                action="key.revoke",
                target_type="key",
                target_id=key_id,
                before=before,
                after=KeyPublic.of(key),
            )
    return Response(status_code=204)
