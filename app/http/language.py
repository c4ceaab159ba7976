"""The reader's language as a request dependency: `?lang=id|en` (anything else is a 422 naming
`lang`), else `Accept-Language` with its q-values, else Indonesian (app/core/language.py).
A response chosen this way varies on Accept-Language."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query

from app.core.language import Lang, negotiate


async def reader_language(
    lang: Annotated[
        Lang | None, Query(description="`id` (default) or `en`; else `Accept-Language` decides")
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Lang:
    return negotiate(lang, accept_language)


ReaderLang = Annotated[Lang, Depends(reader_language)]
