"""Request bodies are JSON text as RFC 8259 has it: UTF-8, finite numbers, Unicode strings.
Python's json module is laxer (it reads UTF-16 and UTF-32, NaN, Infinity and lone
surrogates), and what it lets through fails later, in the database or when an error echoes
it. A body that breaks the rule is a 422 naming the field at fault. Pure."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from app.core.errors import InvalidInput

NOT_UTF8 = "the body is not JSON text (UTF-8)"
# What only a lax parser reads: the constants, and the escape of a UTF-16 surrogate half
# (a valid pair decodes to one character and is not reported).
_MAYBE_LAX = re.compile(r"NaN|Infinity|\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _NotANumber:
    """What NaN, Infinity and -Infinity parse to here, so the walk can find them."""

    def __init__(self, spelling: str) -> None:
        self.spelling = spelling


def json_text_fault(body: bytes) -> InvalidInput | None:
    """The first way `body` is not strict JSON text, or None. Malformed JSON is left to the
    route's own parser, which names the position."""
    # Raw NUL bytes never occur in UTF-8 JSON text; they do in UTF-16 and UTF-32.
    if b"\x00" in body:
        return InvalidInput(("body",), NOT_UTF8, kind="json_invalid")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return InvalidInput(("body",), NOT_UTF8, kind="json_invalid")
    if _MAYBE_LAX.search(text) is None:
        return None
    try:
        document = json.loads(text, parse_constant=_NotANumber)
        return next(_faults(document, ("body",)), None)
    except ValueError:
        return None
    except RecursionError:
        return InvalidInput(("body",), "the JSON is nested too deeply", kind="json_invalid")


def _faults(value: Any, location: tuple[str | int, ...]) -> Iterator[InvalidInput]:
    if isinstance(value, _NotANumber):
        yield InvalidInput(
            location,
            f"{value.spelling} is not a JSON number: send a finite number",
            kind="finite_number",
        )
    elif isinstance(value, str):
        if _SURROGATE.search(value):
            yield _lone_surrogate(location)
    elif isinstance(value, dict):
        for key, item in value.items():
            if _SURROGATE.search(key):
                yield _lone_surrogate((*location, key))
            yield from _faults(item, (*location, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _faults(item, (*location, index))


def _lone_surrogate(location: tuple[str | int, ...]) -> InvalidInput:
    return InvalidInput(
        location,
        "holds a lone UTF-16 surrogate escape (\\ud800-\\udfff): it is not Unicode text",
        kind="string_unicode",
    )
