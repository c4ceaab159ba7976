"""Region codes as pydantic field types, for request bodies and the services file: normalised
by `normalize_code`, or a validation error naming the field."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from app.core.regions.registry import normalize_code


def _normalised(must_be: str) -> BeforeValidator:
    def normalise(value: object) -> str:
        if not isinstance(value, str):
            raise ValueError(must_be)
        return normalize_code(value)

    return BeforeValidator(normalise)


# YAML reads an unquoted 73.10 as the float 73.1: refuse anything but a string rather than guess.
RegionCodeIn = Annotated[
    str, _normalised('region code must be a string such as "73.73" (quote it in YAML)')
]
RegionPrefixIn = Annotated[str, _normalised('a region prefix is a string such as "73" or "73.73"')]
