"""A declaration's letter itself (the scanned *surat*): which files are letters, what a stored
one is called, who may read it, and where. Pure.

A letter is a PDF, PNG or JPEG, recognised by its first bytes, never by its name or the type
its uploader declared: an HTML page named `surat.pdf` is not a letter. It is downloaded as an
attachment named after the declaration's reference (`surat-470-1234-Dukcapil.pdf`), with an
RFC 6266 `filename*` when the reference is not ASCII."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from urllib.parse import quote

from app.core.errors import InvalidInput, TooLarge

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # PANTAU_LETTER_MAX_BYTES
FILENAME_MAX = 200  # characters kept of an uploaded file's name

# What a letter's first bytes must be, by the media type it is stored and served as.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
SNIFF_BYTES = max(len(s) for signatures in SIGNATURES.values() for s in signatures)
NOT_A_LETTER = "must be a PDF, PNG or JPEG file (recognised by its content, not its name)"


class Visibility(StrEnum):
    """Who may read a declaration's letter. `operators` is the default: a scan may show names,
    signatures or numbers that were never meant for the public, so publishing is a choice."""

    PUBLIC = "public"
    OPERATORS = "operators"  # a token with declarations:write (or admin)


def sniff(head: bytes) -> str | None:
    """The media type a file starting with `head` is stored as; None: not a letter."""
    for media_type, signatures in SIGNATURES.items():
        if head.startswith(signatures):
            return media_type
    return None


def check_letter(data: bytes, *, location: tuple[str | int, ...]) -> str:
    """The media type of an uploaded letter; InvalidInput naming `location` when its content
    is no PDF, PNG or JPEG (an empty file included)."""
    media_type = sniff(data[:SNIFF_BYTES])
    if media_type is None:
        raise InvalidInput(location, NOT_A_LETTER, kind="letter_type")
    return media_type


def letter_too_large(limit: int, location: tuple[str | int, ...]) -> TooLarge:
    return TooLarge(
        location,
        f"a letter may hold at most {limit} bytes (PANTAU_LETTER_MAX_BYTES); this one is larger",
        limit,
    )


_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f-\x9f"\\/:*?<>|;\ud800-\udfff\ufffe\uffff]')
_SPACES = re.compile(r"\s+")


def safe_filename(name: str | None) -> str:
    """An uploaded file's name as kept beside the letter, for operators' reference: its last
    path segment only, without control, quoting or path characters, at most 200 characters
    (its extension kept); `surat` when nothing is left. Never used to choose the type."""
    last = re.split(r"[\\/]", name or "")[-1]
    cleaned = _SPACES.sub(" ", _UNSAFE_IN_NAME.sub("_", unicodedata.normalize("NFC", last)))
    cleaned = cleaned.strip(" .")
    if len(cleaned) > FILENAME_MAX:
        stem, dot, extension = cleaned.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        cut = FILENAME_MAX - len(keep) - (1 if keep else 0)
        cleaned = f"{stem[:cut]}.{keep}" if keep else cleaned[:FILENAME_MAX]
    return cleaned or "surat"


_NOT_IN_DOWNLOAD_NAME = re.compile(r"[^\w.-]+")


def download_name(reference: str, media_type: str) -> str:
    """`surat-<reference>.<ext>`: the reference's letters and digits (any script) kept, every
    run of anything else (`/`, spaces) one `-`."""
    slug = _NOT_IN_DOWNLOAD_NAME.sub("-", unicodedata.normalize("NFC", reference)).strip("-.")
    extension = EXTENSIONS.get(media_type, "bin")
    return f"surat-{slug[:150]}.{extension}" if slug else f"surat.{extension}"


def content_disposition(filename: str) -> str:
    """`attachment` with the name as RFC 6266 has it: a quoted ASCII `filename` every client
    reads, and `filename*` (UTF-8, percent-encoded) when the name is not ASCII."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r'["\\\x00-\x1f\x7f]', "_", ascii_name) or "surat"
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


# Where letters are uploaded (multipart/form-data, their field `file`): with a new declaration,
# or to an existing one. The body limit admits PANTAU_LETTER_MAX_BYTES more on these alone.
DECLARE_PATH = "/api/v1/regions/{code}/declarations"
UPLOAD_PATH = "/api/v1/regions/{code}/declarations/{declaration_id}/letter"
# The operators' console's declaration form, which may carry the letter too.
CONSOLE_DECLARE_PATH = "/console/regions/{code}/declarations"


def letter_path(declaration_id: int) -> str:
    """Where a declaration's letter is downloaded, below the service's origin."""
    return f"/api/v1/declarations/{declaration_id}/letter"


def letter_url(base_url: str, declaration_id: int) -> str:
    """The absolute link (`base_url`: PANTAU_PUBLIC_URL, else the listening address)."""
    return f"{base_url}{letter_path(declaration_id)}"
