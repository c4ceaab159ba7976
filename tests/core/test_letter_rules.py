"""The letter's pure rules (app/core/letters.py): its type from its first bytes, the names it
is kept and downloaded under, the Content-Disposition header (RFC 6266), where it lives."""

from __future__ import annotations

import pytest

from app.core.errors import InvalidInput
from app.core.letters import (
    check_letter,
    content_disposition,
    download_name,
    letter_path,
    letter_url,
    safe_filename,
    sniff,
)


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"%PDF-1.7\n%\xe2\xe3", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"\xff\xd8\xff\xe1\x00\x18Exif", "image/jpeg"),
        (b"<!doctype html><title>surat.pdf</title>", None),
        (b"GIF89a", None),
        (b"%PDF", None),  # cut short: not even the header
        (b"  %PDF-1.4", None),  # the header must come first
        (b"", None),
    ],
)
def test_a_letter_is_known_by_its_first_bytes(head: bytes, media_type: str | None) -> None:
    assert sniff(head) == media_type


def test_anything_else_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_letter(b"PK\x03\x04 a zip named surat.pdf", location=("body", "file"))
    assert refused.value.location == ("body", "file")
    assert refused.value.body()["detail"][0]["type"] == "letter_type"  # type: ignore[index]


@pytest.mark.parametrize(
    ("uploaded", "kept"),
    [
        ("Surat Palopo.pdf", "Surat Palopo.pdf"),
        ("C:\\Users\\op\\scan 01.png", "scan 01.png"),
        ("../../etc/passwd", "passwd"),
        ('a"b;c\r\nd.pdf', "a_b_c__d.pdf"),
        ("...", "surat"),
        (None, "surat"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_an_uploaded_name_is_kept_only_as_a_safe_last_segment(
    uploaded: str | None, kept: str
) -> None:
    assert safe_filename(uploaded) == kept


def test_the_download_is_named_after_the_reference() -> None:
    assert download_name("470/1234/Dukcapil", "application/pdf") == "surat-470-1234-Dukcapil.pdf"
    assert download_name("400.8 / 12 / 2026", "image/jpeg") == "surat-400.8-12-2026.jpg"
    assert download_name("///", "image/png") == "surat.png"


def test_content_disposition_is_an_attachment_with_filename_star_beyond_ascii() -> None:
    assert content_disposition("surat-470-1234.pdf") == 'attachment; filename="surat-470-1234.pdf"'
    named = content_disposition(download_name("Surat Bupati Pâlopo 12", "application/pdf"))
    assert named == (
        'attachment; filename="surat-Surat-Bupati-Palopo-12.pdf"; '
        "filename*=UTF-8''surat-Surat-Bupati-P%C3%A2lopo-12.pdf"
    )
    # A name with nothing ASCII still gets a quoted fallback, never an empty one.
    assert content_disposition("سورات.pdf").startswith('attachment; filename=".pdf"; filename*=')


def test_the_letter_lives_under_its_declaration() -> None:
    assert letter_path(12) == "/api/v1/declarations/12/letter"
    assert letter_url("https://pantau.example.go.id", 12) == (
        "https://pantau.example.go.id/api/v1/declarations/12/letter"
    )
