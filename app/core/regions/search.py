"""Finding a region by what a person types: a name or a code, in any case, with or without
accents and with or without "Kabupaten", "Kab.", "Kota" (or "Administrasi", "Provinsi") in
front, tolerating a typo. Pure: the index is built once from the registry's names.

Matches come best first, by tier: the code itself, then the exact name, a name starting with
the query, a name with a word starting with each word of the query, a name containing it, and
last names within a typo or two of it (rapidfuzz's normalised Indel similarity). Within a tier
a region of the kind the query named ("kota ambon": a city) comes first, then the closer typo,
then code order, so a province precedes its regencies and cities.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cache

from rapidfuzz import fuzz, process

from app.core.domain import RegionLevel
from app.core.regions.registry import InvalidRegionCode, RegionRecord, load_regions, normalize_code

__all__ = [
    "MAX_QUERY_LENGTH",
    "Match",
    "RegionIndex",
    "Tier",
    "clean_query",
    "fold",
    "region_index",
]

MAX_QUERY_LENGTH = 100
# Typo tolerance: a query this long or longer (letters and digits), this similar (0–100).
FUZZY_MIN_LENGTH = 4
FUZZY_CUTOFF = 75.0
# Query windows up to this many words are compared word for word with the names' own windows.
_MAX_WINDOW = 4

# Words in front of a name that say what kind of region it is, not which.
_KIND_WORDS: dict[str, RegionLevel | None] = {
    "kabupaten": RegionLevel.REGENCY,
    "kab": RegionLevel.REGENCY,
    "kota": RegionLevel.CITY,
    "provinsi": RegionLevel.PROVINCE,
    "prov": RegionLevel.PROVINCE,
    "administrasi": None,
    "adm": None,
}
_SEPARATORS = re.compile(r"[^0-9a-z]+")
_CODE_LIKE = re.compile(r"[0-9][0-9.\s]*")
# Control characters (tab and newline included: a search box has one line), lone surrogates
# and the noncharacters U+FFFE/U+FFFF.
_NOT_QUERY = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class Tier(IntEnum):
    """How a region matched a query; lower is better."""

    CODE = 0
    EXACT = 1
    PREFIX = 2
    WORD_PREFIX = 3
    SUBSTRING = 4
    FUZZY = 5


@dataclass(frozen=True, slots=True)
class Match:
    code: str
    name: str
    tier: Tier
    score: float  # 100 but for a typo's similarity


def clean_query(raw: str) -> str | None:
    """The query a search box sent, stripped; None when empty. ValueError says what is wrong
    with a query over MAX_QUERY_LENGTH characters or holding a control character."""
    if len(raw) > MAX_QUERY_LENGTH:
        raise ValueError(f"at most {MAX_QUERY_LENGTH} characters, not {len(raw)}")
    found = _NOT_QUERY.search(raw)
    if found is not None:
        raise ValueError(f"must not contain the control character U+{ord(found.group()):04X}")
    text = raw.strip()
    return text or None


def fold(text: str) -> str:
    """Lower case, accents off, every run of anything but letters and digits one space:
    ``"Kab. Toli-Toli"`` → ``"kab toli toli"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(word for word in _SEPARATORS.split(bare) if word)


def _strip_kind(folded: str) -> tuple[str, RegionLevel | None]:
    """A folded name or query without its leading kind words, and the kind they named."""
    words = folded.split()
    kind: RegionLevel | None = None
    while words and words[0] in _KIND_WORDS:
        named = _KIND_WORDS[words.pop(0)]
        kind = kind or named
    return " ".join(words), kind


def _windows(words: Sequence[str], size: int) -> list[str]:
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str
    name: str
    digits: str  # the code without its dot
    level: RegionLevel
    full: str  # folded whole name, kind words kept
    core: str  # folded, kind words off ("palopo")
    words: tuple[str, ...]
    compact: str  # core without spaces ("tolitoli")


@dataclass(frozen=True, slots=True)
class _Query:
    text: str
    words: tuple[str, ...]
    compact: str
    kind: RegionLevel | None
    on_full: bool  # only kind words were typed ("kota"): match whole names


class RegionIndex:
    """The registry's names and codes, folded once, searched many times."""

    def __init__(self, records: Iterable[RegionRecord]) -> None:
        entries = []
        for record in records:
            full = fold(record.name)
            core = _strip_kind(full)[0] or full
            entries.append(
                _Entry(
                    code=record.code,
                    name=record.name,
                    digits=record.code.replace(".", ""),
                    level=record.level,
                    full=full,
                    core=core,
                    words=tuple(core.split()),
                    compact=core.replace(" ", ""),
                )
            )
        self._entries = tuple(sorted(entries, key=lambda e: e.code))
        # For typos: each name's windows of 1…_MAX_WINDOW words, and the entry each belongs to.
        self._windows: dict[int, tuple[list[str], list[int]]] = {}
        for size in range(1, _MAX_WINDOW + 1):
            choices: list[str] = []
            owners: list[int] = []
            for index, entry in enumerate(self._entries):
                for window in _windows(entry.words, size) or [entry.core]:
                    choices.append(window)
                    owners.append(index)
            self._windows[size] = (choices, owners)

    def search(self, query: str) -> list[Match]:
        """Every region matching `query`, best first; none for a query with nothing to match."""
        if _CODE_LIKE.fullmatch(query.strip()):
            return self._by_code(query)
        parsed = self._parse(query)
        if parsed is None:
            return []
        found: dict[int, Match] = {}
        for index, entry in enumerate(self._entries):
            tier = _name_tier(entry, parsed)
            if tier is not None:
                found[index] = Match(entry.code, entry.name, tier, 100.0)
        for index, score in self._typos(parsed).items():
            if index not in found:
                entry = self._entries[index]
                found[index] = Match(entry.code, entry.name, Tier.FUZZY, score)

        def rank(item: tuple[int, Match]) -> tuple[int, bool, float, str]:
            index, match = item
            other_kind = parsed.kind is not None and self._entries[index].level != parsed.kind
            return (match.tier, other_kind, -match.score, match.code)

        return [match for _, match in sorted(found.items(), key=rank)]

    def strong_match(self, query: str) -> str | None:
        """The code of the one region `query` names exactly (its code, or its name with the
        kind words it was given), else None: none or several do."""
        matches = self.search(query)
        exact = [m for m in matches if m.tier <= Tier.EXACT]
        parsed = None if _CODE_LIKE.fullmatch(query.strip()) else self._parse(query)
        if parsed is not None and parsed.kind is not None:
            levels = {e.code: e.level for e in self._entries}
            exact = [m for m in exact if levels[m.code] == parsed.kind]
        return exact[0].code if len(exact) == 1 else None

    def _parse(self, query: str) -> _Query | None:
        folded = fold(query)
        if not folded:
            return None
        core, kind = _strip_kind(folded)
        text = core or folded
        return _Query(text, tuple(text.split()), text.replace(" ", ""), kind, on_full=not core)

    def _by_code(self, query: str) -> list[Match]:
        try:
            exact: str | None = normalize_code(query)
        except InvalidRegionCode:
            exact = None
        digits = re.sub(r"[.\s]", "", query)
        found = []
        for entry in self._entries:
            if entry.code == exact:
                found.append(Match(entry.code, entry.name, Tier.CODE, 100.0))
            elif entry.digits.startswith(digits):
                found.append(Match(entry.code, entry.name, Tier.PREFIX, 100.0))
        return sorted(found, key=lambda m: (m.tier, m.code))

    def _typos(self, query: _Query) -> dict[int, float]:
        if query.on_full or len(query.compact) < FUZZY_MIN_LENGTH:
            return {}
        choices, owners = self._windows[min(len(query.words), _MAX_WINDOW)]
        best: dict[int, float] = {}
        for _, score, position in process.extract(
            query.text, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None
        ):
            owner = owners[position]
            best[owner] = max(best.get(owner, 0.0), float(score))
        return best


def _name_tier(entry: _Entry, query: _Query) -> Tier | None:
    name = entry.full if query.on_full else entry.core
    if name == query.text:
        return Tier.EXACT
    if name.startswith(query.text):
        return Tier.PREFIX
    words = name.split() if query.on_full else entry.words
    if all(any(word.startswith(part) for word in words) for part in query.words):
        return Tier.WORD_PREFIX
    if query.text in name or query.compact in name.replace(" ", ""):
        return Tier.SUBSTRING
    return None


@cache
def region_index() -> RegionIndex:
    """The index of the shipped registry, built on first use."""
    return RegionIndex(load_regions())
