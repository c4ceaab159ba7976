"""Which language a reader gets: an explicit `?lang=` first, then the best supported language
of `Accept-Language` (q-values respected, `q=0` refused), else Indonesian. The pages and the
Statuspage documents negotiate alike. Pure."""

from __future__ import annotations

from typing import Literal

Lang = Literal["id", "en"]
DEFAULT: Lang = "id"
# Browsers still send the withdrawn ISO 639 code `in` for Indonesian.
_TAGS: dict[str, Lang] = {"id": "id", "in": "id", "en": "en"}


def _weighted(accept_language: str) -> list[tuple[float, int, str]]:
    """(-q, position, primary tag) for each acceptable range, best first."""
    ranges = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-", 1)[0]
        if primary and quality > 0:
            ranges.append((-quality, position, primary))
    return sorted(ranges)


def negotiate(query: Lang | None, accept_language: str | None) -> Lang:
    """An explicit `?lang=` first, then the best supported language of `Accept-Language`,
    else Indonesian."""
    if query is not None:
        return query
    for _, _, primary in _weighted(accept_language or ""):
        if primary in _TAGS:
            return _TAGS[primary]
    return DEFAULT


def pick(pair: tuple[str, str], lang: Lang) -> str:
    """The (Indonesian, English) pair's text in `lang`."""
    return pair[0] if lang == "id" else pair[1]
