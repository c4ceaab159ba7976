"""PANTAU_WAVE_* settings build the wave rules; a value the rules cannot take is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.waves import WaveRules
from app.settings import Settings


def test_defaults_are_the_rules_defaults() -> None:
    assert Settings().wave_rules() == WaveRules()


def test_wave_variables_build_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_WAVE_GROUP_SHARE", "0.6")
    monkeypatch.setenv("PANTAU_WAVE_NATIONAL_MIN_GROUPS", "4")
    monkeypatch.setenv("PANTAU_WAVE_UPDATE_FRACTION", "0.5")
    monkeypatch.setenv("PANTAU_WAVE_UPDATE_DEBOUNCE_SECONDS", "0")
    rules = Settings().wave_rules()
    assert (rules.group_share, rules.national_min_groups) == (0.6, 4)
    assert (rules.update_fraction, rules.update_debounce_seconds) == (0.5, 0)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PANTAU_WAVE_GROUP_MIN_REGIONS", "2"), ("PANTAU_WAVE_OUTSIDE_SHARE", "1")],
)
def test_a_wave_of_two_or_everything_outside_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError):
        Settings()
