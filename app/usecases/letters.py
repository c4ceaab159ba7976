"""Attaching a declaration's letter (the scanned *surat*): checked by its content, hashed,
its bytes kept where PANTAU_LETTER_DIR says, its row written in the caller's transaction (so
a declaration made with its letter commits or vanishes with it, and its `cutoff.declared`
event already links it). The API's upload routes and the console share this."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.letters import Visibility, check_letter, letter_too_large, safe_filename
from app.store.db import Database
from app.store.letters import Letter, LetterContent, hash_in_use, put_letter, visibility_of
from app.store.types import utcnow

FILE_FIELD: tuple[str | int, ...] = ("body", "file")


@dataclass(frozen=True, slots=True)
class LetterUpload:
    """An uploaded file as received: its bytes and the name its uploader gave it."""

    data: bytes
    filename: str | None
    # None: as the letter it replaces, else `operators` (the safe default: publishing a scan
    # is a choice).
    visibility: Visibility | None = None


@dataclass(frozen=True, slots=True)
class Attached:
    letter: Letter
    replaced: Letter | None  # the letter it replaced (without its bytes), if any


def checked_media_type(
    upload: LetterUpload, *, max_bytes: int, location: tuple[str | int, ...] = FILE_FIELD
) -> str:
    """TooLarge (413) or InvalidInput (422) naming `location`, else the letter's media type."""
    if len(upload.data) > max_bytes:
        raise letter_too_large(max_bytes, location)
    return check_letter(upload.data, location=location)


async def attach_letter(
    session: AsyncSession,
    declaration_id: int,
    upload: LetterUpload,
    *,
    actor: str,
    content: LetterContent,
    max_bytes: int,
) -> Attached:
    """The declaration's letter is now `upload` (replacing any earlier one, whose visibility
    it keeps unless it says otherwise), in the caller's transaction. Checked first: nothing
    is kept of a file that is not a letter."""
    media_type = checked_media_type(upload, max_bytes=max_bytes)
    visibility = upload.visibility or await visibility_of(session, declaration_id)
    digest = hashlib.sha256(upload.data).hexdigest()
    row = Letter(
        declaration_id=declaration_id,
        sha256=digest,
        media_type=media_type,
        size=len(upload.data),
        content=await content.keep(digest, upload.data),
        filename=safe_filename(upload.filename),
        visibility=visibility or Visibility.OPERATORS,
        uploaded_at=utcnow(),
        uploaded_by=actor,
    )
    replaced = await put_letter(session, row)
    return Attached(row, replaced)


async def forget_replaced(database: Database, content: LetterContent, attached: Attached) -> None:
    """After the commit: the bytes of the letter `attached` replaced, unless another
    declaration holds the same file (kept outside the database only; a row's own bytes went
    with the row)."""
    replaced = attached.replaced
    if replaced is None or replaced.sha256 == attached.letter.sha256:
        return
    async with database.read() as session:
        if await hash_in_use(session, replaced.sha256):
            return
    await content.forget(replaced.sha256)
