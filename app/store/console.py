"""The operators' console's server-side sessions and its failed sign-ins (for the rate limit).

A session row is keyed by a hash of the cookie's random id (`app/core/console_rules.py`), so
the table yields no cookie; it names the API key signed in with, and lives only while that key
does: a revoked key's sessions are deleted when next seen. Failed sign-ins keep a hash of the
client, nothing of the token tried.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Column, ForeignKey, Index, Integer, delete, func
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.console_rules import SessionLimits, expiry, session_digest
from app.store.keys import ApiKey
from app.store.models import _utc


class ConsoleSession(SQLModel, table=True):
    __tablename__ = "console_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    key_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("api_key.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    created_at: datetime = _utc()
    last_seen_at: datetime = _utc()
    expires_at: datetime = _utc(index=True)  # absolute: created_at + PANTAU_CONSOLE_MAX_HOURS


class ConsoleSignInFailure(SQLModel, table=True):
    __tablename__ = "console_sign_in_failure"
    __table_args__ = (Index("ix_console_sign_in_failure_client_hash_at", "client_hash", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    client_hash: str = Field(max_length=64)
    at: datetime = _utc(index=True)


async def open_session(
    session: AsyncSession, *, session_id: str, key_id: int, now: datetime, limits: SessionLimits
) -> ConsoleSession:
    row = ConsoleSession(
        id_hash=session_digest(session_id),
        key_id=key_id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + limits.absolute,
    )
    session.add(row)
    await session.flush()
    return row


async def resume_session(
    session: AsyncSession, *, session_id: str, now: datetime, limits: SessionLimits
) -> tuple[ConsoleSession, ApiKey] | None:
    """The live session with this id and its key, marked seen now; None (the row deleted)
    when it has expired, idle or absolutely, or its key has been revoked."""
    query = (
        select(ConsoleSession, ApiKey)
        .join(ApiKey, col(ApiKey.id) == col(ConsoleSession.key_id))
        .where(ConsoleSession.id_hash == session_digest(session_id))
    )
    found = (await session.exec(query)).first()
    if found is None:
        return None
    row, key = found
    ended = expiry(created_at=row.created_at, last_seen_at=row.last_seen_at, now=now, limits=limits)
    if ended is not None or key.revoked_at is not None:
        await session.delete(row)
        return None
    row.last_seen_at = now
    session.add(row)
    return row, key


async def close_session(session: AsyncSession, session_id: str) -> None:
    await session.exec(
        delete(ConsoleSession).where(  # type: ignore[call-overload]
            col(ConsoleSession.id_hash) == session_digest(session_id)
        )
    )


async def prune_sessions(session: AsyncSession, *, now: datetime, idle: timedelta) -> None:
    """Forget sessions past their absolute end or idle since before `now - idle`."""
    await session.exec(
        delete(ConsoleSession).where(  # type: ignore[call-overload]
            (col(ConsoleSession.expires_at) <= now)
            | (col(ConsoleSession.last_seen_at) <= now - idle)
        )
    )


async def sign_in_failures(
    session: AsyncSession, *, client_hash: str, since: datetime
) -> list[datetime]:
    query = select(ConsoleSignInFailure.at).where(
        ConsoleSignInFailure.client_hash == client_hash, col(ConsoleSignInFailure.at) > since
    )
    return list((await session.exec(query)).all())


async def note_sign_in_failure(
    session: AsyncSession, *, client_hash: str, now: datetime, keep: timedelta
) -> None:
    """Record one failure, and forget those older than `keep`."""
    await session.exec(
        delete(ConsoleSignInFailure).where(  # type: ignore[call-overload]
            col(ConsoleSignInFailure.at) < now - keep
        )
    )
    session.add(ConsoleSignInFailure(client_hash=client_hash, at=now))
    await session.flush()


async def count_sessions(session: AsyncSession, *, key_id: int) -> int:
    query = select(func.count()).select_from(ConsoleSession).where(ConsoleSession.key_id == key_id)
    return int((await session.exec(query)).one())
