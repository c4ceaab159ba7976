"""The pages in headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against
the real service probing the real simulator: every province and region rendered, a
transition shown without a reload, the language toggle, the widget embedded by its script.
HTML pages are served under the strict Content-Security-Policy the security pass will send,
and any console error fails the test. Screenshots go to $PANTAU_TEST_ARTIFACTS."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
import pytest_asyncio

from app.core.regions.registry import load_regions
from app.simulator import Behaviour, Mode, Simulator
from tests.factories import create_service
from tests.support.browser import Console, artifacts, chromium, require_browser
from tests.support.harness import PantauProcess
from tests.support.waiting import wait_for

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'"
)
WIDGET_CSP = PAGE_CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
WATCHED = ["73.73", "73.71", "31.71", "11.01"]

require_browser()

from playwright.async_api import (  # noqa: E402
    Browser,
    BrowserContext,
    Page,
    Route,
    expect,
)

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


@dataclass
class Site:
    base_url: str
    simulator: Simulator


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Site]:
    """One service process for the module, watching a few regions on the simulator."""
    folder = tmp_path_factory.mktemp("browser")
    shutil.copyfile(sqlite_template, folder / "pantau.db")
    async with Simulator() as simulator:
        pantau = PantauProcess(
            f"sqlite+aiosqlite:///{folder / 'pantau.db'}",
            folder / "pantau.log",
            wave_national_min_regions="1000",
            wave_group_min_regions="1000",
        )
        await pantau.start()
        try:
            async with pantau.client() as client:
                for code in WATCHED:
                    await create_service(client, code, simulator.url_for(code))

                async def all_watched_up() -> bool:
                    status = (await client.get("/api/v1/status")).json()
                    return bool(status["by_state"]["operational"] == len(WATCHED))

                await wait_for(all_watched_up, within=15, interval=0.2)
            yield Site(pantau.base_url, simulator)
        finally:
            await pantau.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def _with_csp(route: Route) -> None:
    """Serves pages with the headers the security pass will add, so a CSP violation (an
    inline script or style, a foreign resource) shows up as a console error here."""
    response = await route.fetch()
    path = urlparse(route.request.url).path
    policy = WIDGET_CSP if path.startswith("/widget/") else PAGE_CSP
    headers = response.headers | {"content-security-policy": policy}
    await route.fulfill(response=response, headers=headers)


def _is_page(url: str) -> bool:
    path = urlparse(url).path
    return path == "/" or path.startswith(("/regions/", "/widget/"))


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, site: Site, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    context: BrowserContext = await browser.new_context(viewport={"width": 1200, "height": 900})
    await context.route(_is_page, _with_csp)
    opened = await context.new_page()
    console = Console()
    console.watch(opened)
    try:
        yield opened
        assert console.errors == [], console.errors
    finally:
        name = re.sub(r"\W+", "_", request.node.name)
        await opened.screenshot(path=str(artifacts() / f"{name}.png"), full_page=False)
        await context.close()


async def test_page_renders_every_region_group(page: Page, site: Site) -> None:
    await page.goto(f"{site.base_url}/")
    provinces = [r for r in load_regions() if r.parent_code is None]
    groups = page.locator("details.province")
    await expect(groups).to_have_count(len(provinces))
    names = await page.locator("details.province > summary .name").all_text_contents()
    assert names == [p.name for p in provinces]
    await expect(page.locator("li.region")).to_have_count(514)
    palopo = page.locator("li.region[data-code='73.73']")
    await expect(palopo.locator("[data-role='state']")).to_have_text("Normal")
    await expect(palopo.locator("svg.bars rect.c-ok")).to_have_count(1)
    await page.locator("details.province[data-province='73'] > summary").click()
    await expect(palopo).to_be_visible()
    await page.screenshot(path=str(artifacts() / "status_page_full.png"), full_page=True)


async def test_transition_appears_without_reload(page: Page, site: Site) -> None:
    await page.goto(f"{site.base_url}/")
    await expect(page.locator("body")).to_have_attribute("data-live-state", "open")
    await page.evaluate("window.pantauSamePage = true")
    makassar = page.locator("li.region[data-code='73.71']")
    await expect(makassar.locator("[data-role='state']")).to_have_text("Normal")
    shape = page.locator("path[data-region='73.71']")  # on the map
    await expect(shape).to_have_attribute("class", "state-operational")

    site.simulator.set("73.71", Behaviour(Mode.ERROR, status=502))
    try:
        state = makassar.locator("[data-role='state']")
        await expect(state).to_have_attribute("data-state", "outage", timeout=10_000)
        await expect(shape).to_have_attribute("class", "state-outage cause-upstream")
        title = page.locator("a:has(> path[data-region='73.71']) > title")
        await expect(title).to_have_text(
            "Kota Makassar — Terputus: Gangguan server / Outage: Server error"
        )
        await expect(state).to_have_text("Terputus")
        await expect(makassar.locator("[data-role='cause']")).to_have_text("Gangguan server")
        # live.js writes a time as the server does on this national page: WIB, named, "14.05"
        since = makassar.locator("[data-role='since'] time")
        await expect(since).to_have_text(
            re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4} \d\d\.\d\d WIB$")
        )
        log = page.locator("[data-role='live-log'] li").first
        await expect(log).to_contain_text("Kota Makassar")
        await expect(log).to_contain_text("Normal → Terputus (Gangguan server)")
        outage = page.locator("[data-count='outage'] .count")
        await expect(outage).to_have_text("1")
        await expect(page.locator("[data-role='blast-primary']")).to_have_text(
            f"1 dari 514 kabupaten/kota terdampak, {len(WATCHED)} dipantau"
        )
        sulsel = page.locator("details.province[data-province='73'] [data-role='affected']")
        await expect(sulsel).to_have_text("1 dari 24 terdampak, 2 dipantau")  # as live.js writes
        assert await page.evaluate("window.pantauSamePage") is True  # never reloaded
        await page.locator("details.province[data-province='73'] > summary").click()
        await makassar.scroll_into_view_if_needed()
        await page.screenshot(path=str(artifacts() / "status_page_live_outage.png"))
    finally:
        site.simulator.reset()


async def test_language_toggle(page: Page, site: Site) -> None:
    await page.goto(f"{site.base_url}/")
    await expect(page.locator("html")).to_have_attribute("lang", "id")
    await expect(page.locator("#national-h")).to_have_text("Gambaran nasional")
    await page.locator("[data-lang-toggle]").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("#national-h")).to_have_text("National picture")
    assert page.url.endswith("/?lang=en")
    await expect(page.locator("[data-role='blast-primary']")).to_contain_text("of 514")
    await page.locator("[data-lang-toggle]").click()
    await expect(page.locator("html")).to_have_attribute("lang", "id")


async def test_pages_fit_a_phone_screen(page: Page, site: Site) -> None:
    await page.set_viewport_size({"width": 390, "height": 844})
    for path, name in [("/", "status_page_phone"), ("/regions/73.71", "region_page_phone")]:
        await page.goto(f"{site.base_url}{path}")
        await expect(page.locator("main h1")).to_be_visible()
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, overflow)
        await page.screenshot(path=str(artifacts() / f"{name}.png"))
    await expect(page.locator("#timeline-h")).to_be_visible()
    await expect(page.locator("table.uptime tbody tr")).to_have_count(3)


async def test_map_fits_desktop_and_phone(page: Page, site: Site) -> None:
    """The status page's map at 1280 px and 390 px: every shape drawn, scaled to the width
    with nothing sticking out, and a shape is itself the link to its region's page."""
    for width, height in [(1280, 900), (390, 844)]:
        await page.set_viewport_size({"width": width, "height": height})
        await page.goto(f"{site.base_url}/")
        figure = page.locator("section.map")
        await expect(figure.locator("path[data-region]")).to_have_count(514)
        await expect(figure.locator("path[data-region='73.73']")).to_have_class("state-operational")
        box = await figure.locator("svg.map-svg").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        assert box["width"] >= min(width * 0.85, 1000), box  # as wide as the page allows
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (width, overflow)
        await figure.screenshot(path=str(artifacts() / f"status_map_{width}.png"))
    await page.locator("path[data-region='93.01']").click()  # Merauke, tapped on a phone
    await expect(page).to_have_url(re.compile(r"/regions/93\.01\?lang=id$"))
    await expect(page.locator("section.map path[data-region='93.01']")).to_have_class(
        "state-unknown current"
    )
    await page.locator("section.map").screenshot(path=str(artifacts() / "region_map_390.png"))


@asynccontextmanager
async def portal_serving(html: str) -> AsyncIterator[str]:
    """A municipal portal on another loopback origin: one page, whatever the path."""
    body = html.encode()
    head = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(head.encode() + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/portal.html"
    finally:
        server.close()
        await server.wait_closed()


async def test_widget_renders_from_its_embed_script(page: Page, site: Site) -> None:
    host = (
        "<!doctype html><html lang='id'><head><title>Pemkot</title></head><body>"
        "<h1>Portal Pemkot</h1>"
        f"<script src='{site.base_url}/static/embed.js' data-region='73.73' async></script>"
        "</body></html>"
    )
    async with portal_serving(host) as portal:
        await page.goto(portal)
        frame_element = page.locator("iframe[data-pantau-widget='73.73']")
        await expect(frame_element).to_have_attribute("src", f"{site.base_url}/widget/73.73")
        widget = page.frame_locator("iframe[data-pantau-widget='73.73']")
        await expect(widget.locator(".heading")).to_contain_text("Kota Palopo")
        await expect(widget.locator("[data-role='state']")).to_have_text("Normal")
        await expect(widget.locator(".uptime")).to_contain_text("Ketersediaan 30 hari")
        await page.screenshot(path=str(artifacts() / "widget_embedded.png"))
