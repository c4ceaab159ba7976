"""Region codes in paths and query strings, all through one normaliser: `73.73` or `7373` →
`73.73`, `73` → `73`; anything else is a 422 naming the parameter (the API) or None (pages,
which answer 404 with a page of their own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from app.core.errors import InvalidInput
from app.core.regions.registry import InvalidRegionCode, normalize_code


def region_code_at(value: str, location: tuple[str, str]) -> str:
    try:
        return normalize_code(value)
    except InvalidRegionCode as exc:
        raise InvalidInput(location, str(exc), value) from exc


def optional_region_code(value: str | None, field: str = "region") -> str | None:
    """A query parameter's region code or province prefix, normalised; None when absent."""
    return None if value is None else region_code_at(value, ("query", field))


def region_code_path(
    code: Annotated[
        str, Path(description="Kemendagri code, `73.73` or `7373`", examples=["73.73"])
    ],
) -> str:
    return region_code_at(code, ("path", "code"))


def region_code_or_none(raw: str) -> str | None:
    try:
        return normalize_code(raw)
    except InvalidRegionCode:
        return None


RegionCode = Annotated[str, Depends(region_code_path)]
# A list's `region` filter, read with `optional_region_code`.
RegionPrefix = Annotated[
    str | None,
    Query(max_length=10, description="Region code or province prefix (`73`, `73.73` or `7373`)"),
]
