"""API keys: scoped bearer tokens for operators and their tools. A token is shown once, at
creation; the table keeps its public prefix (to find the row) and a SHA-256 of the whole token
(to check it in constant time). A token has 256 random bits, so a fast hash is enough."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.store.models import _utc
from app.store.types import JSONDocument, utcnow

TOKEN_PREFIX = "pantau_"


class Scope(StrEnum):
    ADMIN = "admin"  # every scope, and managing keys and reading the audit log
    SERVICES_WRITE = "services:write"
    DECLARATIONS_WRITE = "declarations:write"  # declarations and incident updates
    MAINTENANCE_WRITE = "maintenance:write"
    SUBSCRIPTIONS_WRITE = "subscriptions:write"
    AGENT_PUSH = "agent:push"  # agents inside office networks; only for the key's area


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, unique=True, index=True)
    token_hash: str = Field(max_length=64)
    scopes: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    # The key's area: a regency or city, or a province with its regencies and cities; every
    # write it makes must concern the area (app/http/auth.py). None: unbound. Never changes.
    region_code: str | None = Field(
        default=None, sa_column=Column(String(8), ForeignKey("region.code"), nullable=True)
    )
    created_by: str = Field(max_length=40)
    created_at: datetime = _utc(now=True)
    last_used_at: datetime | None = _utc(nullable=True)
    revoked_at: datetime | None = _utc(nullable=True)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _split(token: str) -> str | None:
    """The prefix a well-formed token carries, else None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    prefix, _, secret = token.removeprefix(TOKEN_PREFIX).partition("_")
    return prefix if prefix and secret else None


async def create_key(
    session: AsyncSession,
    *,
    name: str,
    scopes: Collection[Scope],
    created_by: str,
    region_code: str | None = None,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its token; the token is not kept and cannot be shown again."""
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        name=name,
        prefix=prefix,
        token_hash=hash_token(token),
        scopes=sorted(str(scope) for scope in set(scopes)),
        region_code=region_code,
        created_by=created_by,
        created_at=now or utcnow(),
    )
    session.add(key)
    await session.flush()
    return key, token


async def find_active_key(session: AsyncSession, token: str) -> ApiKey | None:
    prefix = _split(token)
    if prefix is None:
        return None
    key = (await session.exec(select(ApiKey).where(ApiKey.prefix == prefix))).first()
    if key is None or key.revoked_at is not None:
        return None
    return key if hmac.compare_digest(key.token_hash, hash_token(token)) else None


async def has_active_keys(session: AsyncSession) -> bool:
    query = select(ApiKey.id).where(col(ApiKey.revoked_at).is_(None)).limit(1)
    return (await session.exec(query)).first() is not None


async def mark_used(session: AsyncSession, key_id: int, *, now: datetime | None = None) -> None:
    """One UPDATE, not a read and a flush: every authenticated write (each agent push) does
    it. A key already loaded into `session` keeps the value it was loaded with."""
    table = ApiKey.__table__  # type: ignore[attr-defined]
    statement = update(table).where(table.c.id == key_id).values(last_used_at=now or utcnow())
    await (await session.connection()).execute(statement)


async def note_live_use(session: AsyncSession, key_id: int, *, now: datetime) -> bool:
    """`mark_used` if the key is not revoked; False (nothing written) if it is. An agent's
    push admitted on a remembered token learns here, in its own write, that it is still good."""
    table = ApiKey.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id == key_id, table.c.revoked_at.is_(None))
        .values(last_used_at=now)
        .returning(table.c.id)
    )
    return (await (await session.connection()).execute(statement)).first() is not None


async def note_live_uses(
    session: AsyncSession, key_ids: Collection[int], *, now: datetime
) -> set[int]:
    """`note_live_use` for several keys in one statement: those live, now noted used."""
    if not key_ids:
        return set()
    table = ApiKey.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id.in_(sorted(set(key_ids))), table.c.revoked_at.is_(None))
        .values(last_used_at=now)
        .returning(table.c.id)
    )
    return set((await (await session.connection()).execute(statement)).scalars())


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list((await session.exec(select(ApiKey).order_by(col(ApiKey.id)))).all())


async def get_key(session: AsyncSession, key_id: int) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def keys_by_id(session: AsyncSession, key_ids: Collection[int]) -> dict[int, ApiKey]:
    """The keys with these ids, revoked ones included (keys are never deleted)."""
    if not key_ids:
        return {}
    rows = await session.exec(select(ApiKey).where(col(ApiKey.id).in_(set(key_ids))))
    return {key.id: key for key in rows.all() if key.id is not None}


async def revoke_key(session: AsyncSession, key: ApiKey, *, now: datetime | None = None) -> bool:
    """Revoke a key; False when it already was."""
    if key.revoked_at is not None:
        return False
    key.revoked_at = now or utcnow()
    session.add(key)
    await session.flush()
    return True
