"""Operator text (names, notes, letters' references, update bodies, descriptions): one rule
for every write schema, so whatever is stored can be written into JSON, HTML, Atom XML and
PostgreSQL text alike. Tab and newline are text; other control characters, lone surrogates
and the noncharacters U+FFFE/U+FFFF are not. Pure."""

from __future__ import annotations

import re

from pydantic import AfterValidator

NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _why_not_text(character: str) -> str:
    if character == "\x00":
        return "must not contain a NUL character"
    code = f"U+{ord(character):04X}"
    if "\ud800" <= character <= "\udfff":
        return f"must not contain a lone surrogate ({code}): it is not Unicode text"
    if character in "\ufffe\uffff":
        return f"must not contain the noncharacter {code}"
    return f"must not contain the control character {code}: only tab and newline are allowed"


def check_plain_text(value: str) -> str:
    found = NOT_TEXT.search(value)
    if found is not None:
        raise ValueError(_why_not_text(found.group()))
    return value


# Last in an `Annotated[str, StringConstraints(...), PLAIN_TEXT]`: nested inside the
# constraints instead, pydantic would apply them as plain functions and skip the stripping.
PLAIN_TEXT = AfterValidator(check_plain_text)
