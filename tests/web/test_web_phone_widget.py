"""The widget and the pages in headless Chromium (#18 items 6 and 8), against one `pantau serve`
(its checker off, so the seeded states hold) and one browser for the module:

- at its default 320 × 150, and 390 px wide, the widget of a cutoff citing its letter
  (Palopo), a maintenance under way (Denpasar) and a warning (Makassar) fits without an inner
  scrollbar, everything it says inside the frame;
- embedded by embed.js on a portal of another origin, the frame takes the widget's height
  from the widget's own message, and ignores the same message from anywhere else;
- the widget refreshes itself in place (the page's clock moved on by a minute);
- at 390 px no page is wider than the phone: `/`, a region with a cutoff, a long uptime table
  and incidents, `/reports` and the widget, the uptime table's cause column on screen.

Pages are served under Pantau's real Content-Security-Policy; a console error fails a test.
Screenshots go to $PANTAU_TEST_ARTIFACTS (test-artifacts/)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from app.store.db import Database
from app.store.types import utcnow
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.factories import bearer
from tests.support.browser import Console, artifacts, chromium, require_browser
from tests.support.harness import PantauProcess, serving_copy
from tests.support.pages import LETTER, WARNING_REFERENCE
from tests.support.servers import serve
from tests.support.widget_cases import (
    DENPASAR,
    MAINTENANCE_TITLE,
    MAKASSAR,
    PALOPO,
    seed_widget_cases,
)

require_browser()

from playwright.async_api import Browser, Frame, Page, ViewportSize, expect  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

PHONE = ViewportSize(width=390, height=844)
FRAME = ViewportSize(width=320, height=150)
HEIGHT_MESSAGE = "pantau:widget-height"
# What each widget must show inside its frame: (selector, text it contains).
WIDGET_CASES = {
    "cutoff": (PALOPO, "[data-role='letter']", LETTER["reference"]),
    "maintenance": (DENPASAR, "[data-role='maintenance']", MAINTENANCE_TITLE),
    "warning": (MAKASSAR, "[data-role='warning']", WARNING_REFERENCE),
}
OVERFLOW = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  scrollHeight: document.documentElement.scrollHeight,
  innerWidth: window.innerWidth,
  innerHeight: window.innerHeight,
})"""
# Every visible element's right edge and bottom, at most: nothing drawn outside the frame.
FURTHEST = """() => {
  let right = 0, bottom = 0;
  for (const element of document.querySelectorAll("main.widget, main.widget *")) {
    const box = element.getBoundingClientRect();
    if (box.width && box.height) {
      right = Math.max(right, box.right);
      bottom = Math.max(bottom, box.bottom);
    }
  }
  return {right, bottom};
}"""


@dataclass
class Site:
    base_url: str
    pantau: PantauProcess


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Site]:
    folder = tmp_path_factory.mktemp("phone")
    async with serving_copy(sqlite_template, folder, run_checker="false") as pantau:
        database = Database(make_settings(pantau.env["PANTAU_DATABASE_URL"]))
        try:
            async with pantau.client() as client:
                await seed_widget_cases(client, database, bearer(ADMIN_TOKEN))
        finally:
            await database.dispose()
        yield Site(pantau.base_url, pantau)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=PHONE, locale="id-ID")
    opened = await context.new_page()
    console = Console()
    console.watch(opened)
    try:
        yield opened
        # Chromium asks for /favicon.ico by itself; Pantau serves none.
        errors = [e for e in console.errors if "/favicon.ico" not in e]
        assert errors == [], errors
    finally:
        await context.close()


async def assert_fits(page: Page, where: str) -> None:
    size = await page.evaluate(OVERFLOW)
    assert size["scrollWidth"] <= size["innerWidth"], (where, size)
    assert size["scrollHeight"] <= size["innerHeight"], (where, size)
    furthest = await page.evaluate(FURTHEST)
    assert furthest["right"] <= size["innerWidth"], (where, furthest)
    assert furthest["bottom"] <= size["innerHeight"], (where, furthest)


@pytest.mark.parametrize("case", list(WIDGET_CASES))
async def test_widget_fits_its_default_frame_and_a_phone(page: Page, site: Site, case: str) -> None:
    code, selector, text = WIDGET_CASES[case]
    for lang, width in [("id", 320), ("en", 320), ("id", 390), ("en", 390)]:
        await page.set_viewport_size({"width": width, "height": FRAME["height"]})
        await page.goto(f"{site.base_url}/widget/{code}?lang={lang}")
        await expect(page.locator(selector)).to_contain_text(text)
        await expect(page.locator(".uptime [data-role='uptime']")).to_contain_text("data")
        await assert_fits(page, f"{case} in {lang} at {width}×{FRAME['height']}")
        await page.screenshot(path=str(artifacts() / f"widget_{case}_{lang}_{width}x150.png"))
    if case == "warning":
        state = page.locator("[data-role='state']")
        await expect(state).to_have_text("Warning")  # not "Normal"
        await expect(state).to_have_attribute("data-state", "warning")
        await expect(page.locator("[data-role='deadline']")).to_contain_text("WITA")


def portal(base_url: str) -> str:
    """A portal with two Palopo widgets of different widths (so of different heights): each
    frame must follow its own widget's messages, not its neighbour's."""
    embed = f"<script src='{base_url}/static/embed.js' data-region='7373' data-height='400'"
    return (
        "<!doctype html><html lang='id'><head><title>Portal Pemkot</title></head><body>"
        "<h1>Portal Pemkot Palopo</h1>"
        f"{embed} async></script>"
        f"{embed} data-width='220' data-lang='en' async></script>"
        "<p>Layanan lain</p></body></html>"
    )


@asynccontextmanager
async def portal_at(html: str) -> AsyncIterator[str]:
    """A municipal portal on another origin: a loopback server of its own answering one page."""
    body = html.encode()
    head = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"

    async def answer(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _stop: asyncio.Event
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()

    async with serve(answer) as endpoint:
        yield endpoint.url() + "portal.html"


async def content_height(frame: Frame) -> int:
    """As widget.js measures it."""
    height = await frame.evaluate(
        "Math.ceil(document.querySelector('main.widget').getBoundingClientRect().bottom"
        " + window.scrollY)"
    )
    return int(height)


async def test_embedded_widget_takes_its_contents_height(page: Page, site: Site) -> None:
    await page.set_viewport_size({"width": 800, "height": 700})
    async with portal_at(portal(site.base_url)) as url:
        await page.goto(url)
    frames = page.locator("iframe[data-pantau-widget='7373']")
    await expect(frames).to_have_count(2)
    heights = []
    urls = [f"{site.base_url}/widget/7373", f"{site.base_url}/widget/7373?lang=en"]
    for index, url in enumerate(urls):
        widget = page.frame_locator("iframe[data-pantau-widget='7373']").nth(index)
        await expect(widget.locator("[data-role='letter']")).to_contain_text(LETTER["reference"])
        inner = page.frame(url=url)
        assert inner is not None, url
        # From 400 px to what the widget holds, without a scrollbar.
        await expect(frames.nth(index)).not_to_have_attribute("height", "400")
        wanted = await content_height(inner)
        await expect(frames.nth(index)).to_have_attribute("height", str(wanted))
        size = await inner.evaluate(OVERFLOW)
        assert size["scrollHeight"] <= size["innerHeight"], size
        assert size["scrollWidth"] <= size["innerWidth"], size
        heights.append(wanted)
    assert heights[0] <= FRAME["height"], heights  # 320 px wide: within the default 150 px
    assert heights[1] > heights[0], heights  # narrower, taller: each frame followed its own
    await page.screenshot(path=str(artifacts() / "widget_embedded_sized.png"))

    # The same message from the portal itself is not believed.
    await page.evaluate(
        """type => new Promise(resolve => {
          window.addEventListener("message", event => {
            if (event.data && event.data.height === 555) { resolve(); }
          });
          window.postMessage({type: type, region: "73.73", height: 555}, "*");
        })""",
        HEIGHT_MESSAGE,
    )  # embed.js's listener, registered first, has seen it too
    await expect(frames.nth(0)).to_have_attribute("height", str(heights[0]))
    await expect(frames.nth(1)).to_have_attribute("height", str(heights[1]))


async def test_widget_refreshes_itself_in_place(page: Page, site: Site) -> None:
    await page.clock.install()
    await page.set_viewport_size(FRAME)
    await page.goto(f"{site.base_url}/widget/{MAKASSAR}")
    warning = page.locator("[data-role='warning']")
    await expect(warning).to_contain_text(WARNING_REFERENCE)
    await page.evaluate("window.pantauSamePage = true")
    await warn_makassar("470/1111/Dukcapil", site)
    try:
        await page.clock.run_for(59_000)
        assert await page.locator("html").get_attribute("data-refreshed") is None  # not yet
        await page.clock.run_for(2_000)
        await expect(page.locator("html")).to_have_attribute("data-refreshed", "1")
        await expect(warning).to_contain_text("470/1111/Dukcapil")
        assert await page.evaluate("window.pantauSamePage") is True  # refreshed, not reloaded
        await assert_fits(page, "refreshed warning at 320×150")
    finally:
        await warn_makassar(WARNING_REFERENCE, site)  # as the other tests expect it


async def warn_makassar(reference: str, site: Site) -> None:
    deadline = (utcnow() + timedelta(days=3)).isoformat()
    warning = LETTER | {"kind": "warning", "reference": reference, "deadline": deadline}
    async with site.pantau.client() as client:
        response = await client.post(f"/api/v1/regions/{MAKASSAR}/declarations", json=warning)
        assert response.status_code == 201, response.text


async def test_pages_have_no_horizontal_overflow_on_a_phone(page: Page, site: Site) -> None:
    for path, name in [
        ("/", "status"),
        (f"/regions/{PALOPO}", "region_cutoff"),
        ("/reports", "reports"),
        (f"/widget/{PALOPO}", "widget"),
    ]:
        response = await page.goto(f"{site.base_url}{path}")
        assert response is not None and response.status == 200, path
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
        await page.screenshot(path=str(artifacts() / f"phone_390_{name}.png"), full_page=True)
        if name == "region_cutoff":
            # Its uptime table's cause column is on screen, not scrolled away.
            causes = page.locator("table.uptime tbody tr[data-window] td.by-cause")
            await expect(causes).to_have_count(3)
            for index in range(3):
                box = await causes.nth(index).bounding_box()
                assert box is not None and box["x"] >= 0, box
                assert box["x"] + box["width"] <= PHONE["width"], (index, box)
            await expect(causes.nth(2)).to_contain_text("server")  # the ended incident's cause
            table = page.locator("table.uptime")
            await table.screenshot(path=str(artifacts() / "phone_390_region_uptime.png"))
            await expect(page.locator("li.incident")).to_have_count(2)
