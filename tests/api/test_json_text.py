"""Strict JSON text (RFC 8259) for request bodies: what Python's json module would read but
JSON does not allow is named by its place in the body. Pure."""

from __future__ import annotations

import pytest

from app.http.json_text import json_text_fault

DOCUMENT = '{"name": "Kota Palopo", "results": [{"latency_ms": 12.5}]}'


@pytest.mark.parametrize(
    ("body", "location", "kind"),
    [
        (b'{"timeout_seconds": NaN}', ("body", "timeout_seconds"), "finite_number"),
        (b'{"a": [1, -Infinity]}', ("body", "a", 1), "finite_number"),
        (b'{"r": [{"latency_ms": Infinity}]}', ("body", "r", 0, "latency_ms"), "finite_number"),
        (b'{"name": "\\ud800"}', ("body", "name"), "string_unicode"),
        (b'{"name": "x\\uDC00y"}', ("body", "name"), "string_unicode"),
        (b'{"\\udfff": 1}', ("body", "\udfff"), "string_unicode"),
        (DOCUMENT.encode("utf-16"), ("body",), "json_invalid"),
        (DOCUMENT.encode("utf-16-le"), ("body",), "json_invalid"),
        (DOCUMENT.encode("utf-32"), ("body",), "json_invalid"),
        (b'{"name": "\xff\xfe"}', ("body",), "json_invalid"),
        (b'{"name": "\xed\xa0\x80"}', ("body",), "json_invalid"),  # a surrogate, UTF-8 encoded
        (b"[" * 100_000 + b"NaN" + b"]" * 100_000, ("body",), "json_invalid"),
    ],
)
def test_what_json_does_not_allow_is_named(
    body: bytes, location: tuple[str | int, ...], kind: str
) -> None:
    fault = json_text_fault(body)
    assert fault is not None
    assert (fault.location, fault.kind, fault.status_code) == (location, kind, 422)


@pytest.mark.parametrize(
    "body",
    [
        DOCUMENT.encode(),
        b'{"note": "NaN and Infinity are words here"}',
        b'{"name": "\\ud83d\\udea8 a pair is one character"}',
        '{"name": "Sulawesi \u00e9 \U0001f6a8"}'.encode(),
        b'{"truncated": NaN',  # malformed: the route's own parser names the position
        b"",
    ],
)
def test_strict_json_text_passes(body: bytes) -> None:
    assert json_text_fault(body) is None
