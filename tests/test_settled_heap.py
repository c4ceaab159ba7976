"""Start-up sets what it built aside from the collector's full passes (`app.main.settle_heap`):
without it an uncached status page paid a full collection every other render."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from app.web.map_view import geometry
from app.web.render import environment


async def test_started_app_has_frozen_its_start_up_heap(app: FastAPI) -> None:
    assert gc.get_freeze_count() > 0
    assert geometry.cache_info().currsize == 1  # the map is loaded before the freeze
    assert len(environment().cache or {}) >= 5  # and the pages' templates
