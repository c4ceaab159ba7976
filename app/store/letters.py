"""Declarations' letters: one row per declaration that carries its letter (its hash, type,
size, the uploaded name, who may read it), and the letter's bytes, kept either in that row or,
with PANTAU_LETTER_DIR, in a directory as files named by their SHA-256 (content-addressed:
the same scan attached twice is one file). `LetterContent` is the one small interface both
ways share; a row whose bytes are in the database is read from there even after a directory
is configured, so switching needs no migration of what is stored."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, String
from sqlmodel import Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.letters import Visibility
from app.store.models import _utc

log = logging.getLogger(__name__)


class Letter(SQLModel, table=True):
    declaration_id: int = Field(
        sa_column=Column(Integer, ForeignKey("declaration.id"), primary_key=True)
    )
    sha256: str = Field(max_length=64, index=True)  # hex digest of the bytes: the ETag
    media_type: str = Field(max_length=40)  # recognised from the bytes (app/core/letters.py)
    size: int
    # The bytes, when kept in the database; None: in PANTAU_LETTER_DIR under `sha256`.
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    filename: str = Field(max_length=200)  # the uploaded name, sanitised; never served as is
    visibility: Visibility = Field(sa_type=String(16))
    uploaded_at: datetime = _utc(now=True)
    uploaded_by: str = Field(max_length=40)


class LetterContent(Protocol):
    """Where letters' bytes live."""

    async def keep(self, sha256: str, data: bytes) -> bytes | None:
        """Store `data`; returns what the row's `content` holds (None: kept elsewhere)."""

    async def read(self, letter: Letter) -> bytes | None:
        """The letter's bytes; None when they are missing."""

    async def forget(self, sha256: str) -> None:
        """Drop bytes no row refers to any more (kept outside the database only)."""


class InDatabase:
    """The bytes in the `letter` row itself (the default)."""

    async def keep(self, sha256: str, data: bytes) -> bytes | None:
        return data

    async def read(self, letter: Letter) -> bytes | None:
        return letter.content

    async def forget(self, sha256: str) -> None:
        return None


class InDirectory:
    """`<dir>/<first two hex digits>/<sha256>`, written whole (a temporary file renamed into
    place), so a reader never sees half a letter; replicas share it on one filesystem."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.directory / sha256[:2] / sha256

    async def keep(self, sha256: str, data: bytes) -> bytes | None:
        await asyncio.to_thread(self._write, self.path(sha256), data)
        return None

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        if target.exists():
            return  # content-addressed: the same bytes are there already
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def read(self, letter: Letter) -> bytes | None:
        if letter.content is not None:  # stored before the directory was configured
            return letter.content
        try:
            return await asyncio.to_thread(self.path(letter.sha256).read_bytes)
        except FileNotFoundError:
            log.error(
                "letter of declaration %s: %s is missing", letter.declaration_id, letter.sha256
            )
            return None

    async def forget(self, sha256: str) -> None:
        await asyncio.to_thread(self.path(sha256).unlink, missing_ok=True)


def letter_content(letter_dir: str | None) -> LetterContent:
    """PANTAU_LETTER_DIR's directory, else the database."""
    return InDirectory(letter_dir) if letter_dir else InDatabase()


_FIELDS = (
    "declaration_id",
    "sha256",
    "media_type",
    "size",
    "filename",
    "visibility",
    "uploaded_at",
    "uploaded_by",
)


async def letter_of(session: AsyncSession, declaration_id: int) -> Letter | None:
    """The letter row, bytes included."""
    return await session.get(Letter, declaration_id)


async def put_letter(session: AsyncSession, letter: Letter) -> Letter | None:
    """Store `letter` as its declaration's letter, replacing any earlier one; returns the
    replaced row's hash and visibility as they were (a detached copy), or None."""
    earlier = await session.get(Letter, letter.declaration_id, with_for_update=True)
    before = None
    if earlier is not None:
        before = Letter(**{name: getattr(earlier, name) for name in _FIELDS}, content=None)
        for name in (*_FIELDS, "content"):
            if name != "declaration_id":
                setattr(earlier, name, getattr(letter, name))
        session.add(earlier)
    else:
        session.add(letter)
    await session.flush()
    return before


async def visibility_of(session: AsyncSession, declaration_id: int) -> Visibility | None:
    """Who may read the declaration's letter now; None: it has none."""
    query = select(Letter.visibility).where(Letter.declaration_id == declaration_id)
    found = (await session.exec(query)).first()
    return None if found is None else Visibility(found)


async def hash_in_use(session: AsyncSession, sha256: str) -> bool:
    query = select(func.count()).select_from(Letter).where(Letter.sha256 == sha256)
    return bool((await session.exec(query)).one())


async def public_letter_ids(session: AsyncSession, declaration_ids: Sequence[int]) -> set[int]:
    """Which of these declarations carry a letter anyone may read."""
    if not declaration_ids:
        return set()
    query = select(Letter.declaration_id).where(
        col(Letter.declaration_id).in_(set(declaration_ids)),
        Letter.visibility == str(Visibility.PUBLIC),
    )
    return set((await session.exec(query)).all())


@dataclass(frozen=True, slots=True)
class LetterFacts:
    """What a page lists of a letter: never its bytes."""

    declaration_id: int
    media_type: str
    size: int
    visibility: Visibility


async def letter_facts(
    session: AsyncSession, declaration_ids: Sequence[int]
) -> dict[int, LetterFacts]:
    """These declarations' letters (those that have one), by declaration, whoever may read
    them."""
    if not declaration_ids:
        return {}
    query = select(Letter.declaration_id, Letter.media_type, Letter.size, Letter.visibility).where(
        col(Letter.declaration_id).in_(set(declaration_ids))
    )
    return {
        row[0]: LetterFacts(row[0], row[1], row[2], Visibility(row[3]))
        for row in (await session.exec(query)).all()
    }
