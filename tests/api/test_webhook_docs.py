"""The OpenAPI document's `webhooks` section: every event type a subscription can ask for is
documented (a ping is only ever sent on request), each with an example of its body that its
documented shape accepts."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from app.api.schemas.waves import WaveEvent
from app.api.schemas.webhook_events import (
    CutoffEvent,
    PolicyWarningEvent,
    RegionEvent,
    ServiceEvent,
)
from app.core.events import EventType
from app.main import create_app
from tests.conftest import make_settings

MODELS: dict[str, type[BaseModel]] = {
    "service": ServiceEvent,
    "region": RegionEvent,
    "cutoff": CutoffEvent,
    "policy": PolicyWarningEvent,
    "wave": WaveEvent,
}


@pytest.fixture(scope="module")
def webhooks() -> dict[str, Any]:
    app = create_app(make_settings("sqlite+aiosqlite:///unused.db"))
    section: dict[str, Any] = app.openapi()["webhooks"]
    return section


def test_every_event_type_but_ping_is_documented(webhooks: dict[str, Any]) -> None:
    assert set(webhooks) == {str(t) for t in EventType} - {"ping"}


@pytest.mark.parametrize("event_type", sorted(str(t) for t in EventType if t != EventType.PING))
def test_each_documented_event_has_a_valid_example(
    webhooks: dict[str, Any], event_type: str
) -> None:
    content = webhooks[event_type]["post"]["requestBody"]["content"]["application/json"]
    model = MODELS[event_type.split(".")[0]]
    assert content["schema"]["$ref"].endswith(f"/{model.__name__}")
    if model is WaveEvent:
        return  # documented in app/api/waves.py by its schema alone
    (example,) = content["examples"].values()
    assert example["value"]["type"] == event_type
    model.model_validate(example["value"])
