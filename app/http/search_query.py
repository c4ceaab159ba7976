"""The `q` query parameter of a region search (the API's region list and the status page):
stripped, None when empty, a 422 naming `q` when too long or holding a control character."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.core.errors import InvalidInput
from app.core.regions.search import MAX_QUERY_LENGTH, clean_query


def search_query(
    q: Annotated[
        str | None,
        Query(
            description=(
                "A name or a code, any case, accents and `Kabupaten` / `Kab.` / `Kota` "
                "optional, typos tolerated (`palopo`, `kota ambon`, `7373`, `73.73`); "
                "best match first. Empty: no search."
            ),
            max_length=MAX_QUERY_LENGTH,
            examples=["palopo"],
        ),
    ] = None,
) -> str | None:
    if q is None:
        return None
    try:
        return clean_query(q)
    except ValueError as exc:
        raise InvalidInput(("query", "q"), str(exc), q) from exc


SearchQuery = Annotated[str | None, Depends(search_query)]
