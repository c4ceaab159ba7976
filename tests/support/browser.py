"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright
(no `playwright install`), skipped where either is missing except under CI=true, where the
tests must run; console errors collected per page; screenshots in $PANTAU_TEST_ARTIFACTS.

A browser test module calls `require_browser()` before importing playwright."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser, ConsoleMessage, Page

# Debian's package; PANTAU_CHROMIUM points elsewhere on other systems.
CHROMIUM = os.environ.get("PANTAU_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    absent = []
    if not Path(CHROMIUM).exists():
        absent.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        absent.append("the playwright package (pip install -e '.[test]')")
    return "browser tests need " + " and ".join(absent) if absent else None


def require_browser() -> str | None:
    """At a browser test module's top: skips it where Chromium or Playwright is missing, but
    in CI fails it at once if Playwright is (nothing can be imported), and returns why the
    browser cannot start so that its fixture fails there."""
    why = missing()
    if why is not None and not IN_CI:
        pytest.skip(why, allow_module_level=True)
    if why is not None and "playwright" in why:
        pytest.fail(why)
    return why


def artifacts() -> Path:
    path = Path(os.environ.get("PANTAU_TEST_ARTIFACTS", "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    why = missing()
    if why is not None:
        pytest.fail(why)  # in CI: these tests must run, never be skipped
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Console:
    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._message)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _message(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} (at {message.location['url']})")
