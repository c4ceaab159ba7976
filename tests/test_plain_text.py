"""The one rule for operator text: tab and newline are text; other control characters, lone
surrogates and U+FFFE/U+FFFF are refused with a message naming the character. Pure."""

from __future__ import annotations

import pytest

from app.core.plain_text import check_plain_text


@pytest.mark.parametrize(
    "text",
    ["Kota Palopo", "Baris satu\nbaris\tdua", "Akses diputus — 🚨 «pusat»", "", "\u00a0"],
)
def test_text_passes_unchanged(text: str) -> None:
    assert check_plain_text(text) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\x00b", "must not contain a NUL character"),
        ("\x01", "control character U+0001"),
        ("line\x0btab", "control character U+000B"),
        ("form\x0cfeed", "control character U+000C"),
        ("carriage\rreturn", "control character U+000D"),
        ("\x1b[31mred", "control character U+001B"),
        ("delete\x7f", "control character U+007F"),
        ("next\x85line", "control character U+0085"),
        ("half \ud800", "lone surrogate (U+D800)"),
        ("\udfff", "lone surrogate (U+DFFF)"),
        ("non\ufffe", "noncharacter U+FFFE"),
        ("non\uffff", "noncharacter U+FFFF"),
    ],
)
def test_control_characters_are_refused_by_name(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="must not contain") as raised:
        check_plain_text(text)
    assert message in str(raised.value)
