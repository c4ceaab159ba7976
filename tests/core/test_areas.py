"""A key's area: which regions a province's, a city's and no area cover."""

from __future__ import annotations

import pytest

from app.core.areas import NATIONAL, covers, first_outside, within


@pytest.mark.parametrize(
    ("area", "code", "covered"),
    [
        ("73.73", "73.73", True),  # a city covers itself
        ("73.73", "73.17", False),  # ...and not its neighbour
        ("73.73", "73", False),  # ...nor its province
        ("73", "73", True),  # a province covers itself
        ("73", "73.73", True),  # ...its cities
        ("73", "73.17", True),  # ...and regencies
        ("73", "51.71", False),  # ...not another province's
        ("7", "73.73", False),  # a prefix of the digits is not a province
        ("73", "731", False),
        ("73", NATIONAL, False),  # the whole country is no one's area
        (None, "51.71", True),  # no area: anywhere
        (None, NATIONAL, True),
    ],
)
def test_covers(area: str | None, code: str | None, covered: bool) -> None:
    assert covers(area, code) is covered


def test_first_outside_names_the_first_uncovered_code_and_an_empty_list_is_the_country() -> None:
    assert first_outside("73", ["73.73", "73.17"]) is None
    assert first_outside("73.73", ["73.73", "51.71", "51"]) == (1, "51.71")
    assert first_outside("73.73", []) == (0, NATIONAL)
    assert first_outside(None, []) is None
    assert within("73", ["73.73", "73"]) and not within("73", []) and within(None, [])
