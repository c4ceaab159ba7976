"""Installs the web layer on the app: the pages, badges and feed, and the static files."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import badge_routes, feeds, map_routes, pages, report_page, subscriber_pages


def install_web(app: FastAPI) -> None:
    static = resources.files("app.web").joinpath("static")
    app.include_router(badge_routes.router)
    app.include_router(feeds.router)
    app.include_router(map_routes.router)
    app.include_router(pages.router)
    app.include_router(report_page.router)
    app.include_router(subscriber_pages.router)
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
