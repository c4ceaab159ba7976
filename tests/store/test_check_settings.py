"""One source for a service's check settings: every model of the family carries each setting,
and every default comes from CHECK_DEFAULTS. A new setting added to CheckSettings but missed
in a model, or a default written out again and changed in one place, fails here."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from app.core.check_settings import CHECK_DEFAULTS, CHECK_SETTING_NAMES
from app.store.models import Service
from app.store.service_models import ServiceCreate, ServicePublic, ServiceUpdate

DEFAULTS = asdict(CHECK_DEFAULTS)


@pytest.mark.parametrize("model", [Service, ServiceCreate, ServiceUpdate, ServicePublic])
def test_every_model_carries_every_check_setting(model: type) -> None:
    assert set(CHECK_SETTING_NAMES) <= set(model.model_fields)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", CHECK_SETTING_NAMES)
def test_a_new_service_takes_the_check_defaults(name: str) -> None:
    created = ServiceCreate(region_code="73.73", name="SIAK", url="https://siak.example/")
    stored = Service(region_code="73.73", name="SIAK", url="https://siak.example/")
    assert getattr(created, name) == DEFAULTS[name]
    assert getattr(stored, name) == DEFAULTS[name]
    assert Service.model_fields[name].default == DEFAULTS[name]
