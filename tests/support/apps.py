"""One FastAPI app per distinct Settings in a test process, its lifespan run afresh for each
test that takes it.

Building an app is cheap, but its first request is not: FastAPI resolves every route's
dependencies and parameter models (pydantic schemas) for the app the first time it routes,
about 0.1 s of CPU, which was a third of a typical API test. A test taking a shared app still
gets everything a new one would have: its own lifespan (database engine, clients, workers,
metrics, read cache, live feed), `app.state` as `create_app` left it, and a fresh OpenAPI
document. What it shares is what no request changes: the routes, the middleware and the
exception handlers. An app whose routes, middleware or dependency overrides a test changed is
not handed out again.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import State

from app.main import create_app
from app.settings import Settings


@dataclass
class _Shared:
    settings: Settings
    app: FastAPI
    state: dict[str, Any]  # app.state as create_app left it
    routes: list[Any]
    middleware: list[Any]


class SharedApps:
    def __init__(self) -> None:
        self._shared: list[_Shared] = []
        self.built = 0  # how many apps create_app built

    def take(self, settings: Settings) -> FastAPI:
        """An app for these settings, its state as create_app left it; start its lifespan."""
        for shared in self._shared:
            if shared.settings == settings:
                break
        else:
            private = settings.model_copy(deep=True)  # the lifespan's: no test can change it
            app = create_app(private)
            self.built += 1
            shared = _Shared(
                private,
                app,
                copy.deepcopy(app.state._state),
                list(app.router.routes),
                list(app.user_middleware),
            )
            self._shared.append(shared)
        shared.app.state = State(copy.deepcopy(shared.state))
        shared.app.openapi_schema = None
        return shared.app

    def give_back(self, app: FastAPI) -> None:
        """After the lifespan ended: an app a test changed is built anew next time."""
        for shared in self._shared:
            if shared.app is app:
                changed = (
                    app.router.routes != shared.routes
                    or app.user_middleware != shared.middleware
                    or app.dependency_overrides
                )
                if changed:
                    self._shared.remove(shared)
                return
