"""A declaration's letter itself (the scanned *surat*): uploaded with the declaration or to it
afterwards (multipart/form-data, field `file`), checked by its content, and downloaded as an
attachment that no browser renders in Pantau's origin.

- `POST /api/v1/regions/{code}/declarations` as multipart: the declaration's fields as form
  fields, with its letter, in one transaction (the JSON route in declarations.py takes the same
  path and method; this one answers only multipart requests).
- `POST /api/v1/regions/{code}/declarations/{declaration_id}/letter`: attach or replace.
- `GET /api/v1/declarations/{declaration_id}/letter`: the file. An operators-only letter is a
  404 for anyone without a `declarations:write` (or admin) token, as if it did not exist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Response, UploadFile
from fastapi.routing import APIRoute
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import Headers
from starlette.routing import Match
from starlette.types import Scope

from app.api.audit import record_write
from app.api.declarations import DeclarationsWriter, record_declaration
from app.api.schemas.letters import VISIBILITY_HELP, DeclarationForm, LetterPublic
from app.core.errors import NotFound
from app.core.letters import (
    DECLARE_PATH,
    UPLOAD_PATH,
    Visibility,
    content_disposition,
    download_name,
    letter_too_large,
    letter_url,
)
from app.http.auth import AUTH_RESPONSES, holds_scope
from app.http.deps import DatabaseDep, ReadSession, SettingsDep
from app.http.region_codes import RegionCode
from app.reads.region_shapes import DeclarationPublic
from app.settings import Settings
from app.store.declarations import Declaration
from app.store.keys import Scope as KeyScope
from app.store.letters import Letter, letter_content, letter_of
from app.usecases.letters import FILE_FIELD, Attached, LetterUpload, attach_letter, forget_replaced

CHUNK = 64 * 1024
# What a download answers with, beyond the file: never sniffed, never run, never framed.
DOWNLOAD_CSP = "default-src 'none'; sandbox"
DeclarationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
LetterFile = Annotated[
    UploadFile,
    File(
        description="The letter: a PDF, PNG or JPEG (by content), at most "
        "PANTAU_LETTER_MAX_BYTES (10 MiB by default)"
    ),
]
VisibilityField = Annotated[Visibility | None, Form(description=VISIBILITY_HELP)]
CanReadPrivate = Annotated[bool, Depends(holds_scope(KeyScope.DECLARATIONS_WRITE))]
Problem = dict[str, Any]
UPLOAD_RESPONSES: dict[int | str, Problem] = {
    **AUTH_RESPONSES,
    404: {"description": "No such declaration in this region"},
    413: {"description": "The file is larger than PANTAU_LETTER_MAX_BYTES (`loc`: the field)"},
    422: {"description": "Not a PDF, PNG or JPEG by its content, or a field is missing"},
}
FILE_TYPES: dict[str, Problem] = {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}


def _is_multipart(scope: Scope) -> bool:
    content_type = Headers(scope=scope).get("content-type", "")
    return content_type.lower().startswith("multipart/form-data")


class MultipartOnly(APIRoute):
    """A route that answers only multipart/form-data requests, so that another route may take
    JSON on the same path and method (it must be registered after this one)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and not _is_multipart(scope):
            return Match.NONE, {}
        return match, child


router = APIRouter(tags=["declarations"])
multipart_router = APIRouter(tags=["declarations"], route_class=MultipartOnly)


async def read_upload(file: UploadFile, max_bytes: int) -> bytes:
    """The uploaded file's bytes, refused (413 naming `file`) as soon as they pass the limit."""
    chunks, total = [], 0
    while chunk := await file.read(CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise letter_too_large(max_bytes, FILE_FIELD)
        chunks.append(chunk)
    return b"".join(chunks)


async def _attach(
    session: AsyncSession,
    declaration_id: int,
    upload: LetterUpload,
    settings: Settings,
    actor: str,
) -> tuple[Attached, LetterPublic]:
    attached = await attach_letter(
        session,
        declaration_id,
        upload,
        actor=actor,
        content=letter_content(settings.letter_dir),
        max_bytes=settings.letter_max_bytes,
    )
    url = letter_url(settings.public_base_url, declaration_id)
    return attached, LetterPublic.of(attached.letter, url)


@multipart_router.post(
    DECLARE_PATH,
    status_code=201,
    response_model=DeclarationPublic,
    responses=UPLOAD_RESPONSES,
    include_in_schema=False,  # documented on the JSON route of the same path
)
async def declare_with_letter(
    code: RegionCode,
    body: Annotated[DeclarationForm, Form()],
    file: LetterFile,
    database: DatabaseDep,
    settings: SettingsDep,
    principal: DeclarationsWriter,
    visibility: VisibilityField = None,
) -> DeclarationPublic:
    """A declaration with its letter, in one transaction: its events link a public letter."""
    principal.require_area(code, loc=("path", "code"))
    data = await read_upload(file, settings.letter_max_bytes)
    upload = LetterUpload(data, file.filename, visibility)
    attached: list[Attached] = []

    async def attach(session: AsyncSession, declaration: Declaration) -> str | None:
        assert declaration.id is not None
        done, public = await _attach(session, declaration.id, upload, settings, principal.actor)
        attached.append(done)
        await record_write(
            session,
            principal,
            action="declaration.letter",
            target_type="declaration",
            target_id=declaration.id,
            after=public,
        )
        return public.url if public.visibility == Visibility.PUBLIC else None

    async with database.transaction() as session:
        return await record_declaration(session, code, body, principal, attach=attach)


@router.post(
    UPLOAD_PATH,
    status_code=201,
    response_model=LetterPublic,
    responses={**UPLOAD_RESPONSES, 200: {"description": "An earlier letter was replaced"}},
)
async def upload_letter(
    code: RegionCode,
    declaration_id: DeclarationId,
    file: LetterFile,
    database: DatabaseDep,
    settings: SettingsDep,
    principal: DeclarationsWriter,
    response: Response,
    visibility: VisibilityField = None,
) -> LetterPublic:
    """Attach the declaration's letter (a PDF, PNG or JPEG scan, recognised by its content),
    or replace the one it has (200; without `visibility`, the replaced letter's is kept).
    `visibility` `public` links it from every public surface
    citing the declaration (region page, incidents, the outage report, the Atom feed, the
    Statuspage incidents); `operators`, the default, keeps it to holders of a
    `declarations:write` token. Stored with its SHA-256 in the database, or in
    PANTAU_LETTER_DIR. A letter sent with the declaration itself reaches its `cutoff.declared`
    webhook too; one attached afterwards does not (that event has gone out)."""
    principal.require_area(code, loc=("path", "code"))
    data = await read_upload(file, settings.letter_max_bytes)
    upload = LetterUpload(data, file.filename, visibility)
    async with database.transaction() as session:
        declaration = await session.get(Declaration, declaration_id)
        if declaration is None or declaration.region_code != code:
            raise NotFound("declaration", declaration_id)
        attached, public = await _attach(session, declaration_id, upload, settings, principal.actor)
        replaced = attached.replaced
        await record_write(
            session,
            principal,
            action="declaration.letter",
            target_type="declaration",
            target_id=declaration_id,
            before=None if replaced is None else LetterPublic.of(replaced, public.url),
            after=public,
        )
    await forget_replaced(database, letter_content(settings.letter_dir), attached)
    if attached.replaced is not None:
        response.status_code = 200
    return public


@router.get(
    "/api/v1/declarations/{declaration_id}/letter",
    response_class=Response,
    responses={
        200: {"description": "The letter, as an attachment", "content": FILE_TYPES},
        304: {"description": "Not Modified: the `If-None-Match` ETag (its SHA-256) matches"},
        403: {"description": "The token given is wrong or revoked"},
        404: {"description": "No letter, or one only operators may read"},
    },
)
async def download_letter(
    declaration_id: DeclarationId,
    session: ReadSession,
    settings: SettingsDep,
    operator: CanReadPrivate,
) -> Response:
    """The letter itself, named `surat-<reference>.<ext>`, with its media type and its
    SHA-256 as ETag; `Content-Disposition: attachment`, `nosniff` and a CSP of
    `default-src 'none'; sandbox`, so it is saved, never rendered as a page of this site."""
    letter = await letter_of(session, declaration_id)
    if letter is None or not (letter.visibility == Visibility.PUBLIC or operator):
        raise NotFound("letter", declaration_id)
    declaration = await session.get(Declaration, declaration_id)
    data = await letter_content(settings.letter_dir).read(letter)
    if declaration is None or data is None:
        raise NotFound("letter", declaration_id)
    return Response(
        data, media_type=letter.media_type, headers=_download_headers(letter, declaration)
    )


def _download_headers(letter: Letter, declaration: Declaration) -> dict[str, str]:
    public = letter.visibility == Visibility.PUBLIC
    return {
        "Content-Disposition": content_disposition(
            download_name(declaration.reference, letter.media_type)
        ),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": DOWNLOAD_CSP,
        "ETag": f'"{letter.sha256}"',
        "Cache-Control": "public, no-cache" if public else "private, no-store",
    }
