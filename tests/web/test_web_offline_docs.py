"""In headless Chromium against the real service (one `pantau serve`, one browser for the
module): no page of Pantau loads anything from another origin — the API docs included, which
serve Swagger UI and ReDoc from the service itself — and each renders under its own
Content-Security-Policy without a console error; and the status page's search box filters the
region list as one types. Screenshots go to $PANTAU_TEST_ARTIFACTS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import pytest_asyncio

from tests.support.browser import Console, artifacts, chromium, require_browser
from tests.support.harness import serving_copy

require_browser()

from playwright.async_api import Browser, Page, Request, expect  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

PAGES = ["/docs", "/redoc", "/", "/regions/73.73", "/widget/73.73"]
# Chromium asks for /favicon.ico by itself, which Pantau does not serve: no fault of a page.
FAVICON_404 = "the server responded with a status of 404 (Not Found) (at {base_url}/favicon.ico)"


def unexpected(errors: list[str], base_url: str) -> list[str]:
    return [error for error in errors if FAVICON_404.format(base_url=base_url) not in error]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def base_url(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    async with serving_copy(sqlite_template, tmp_path_factory.mktemp("offline")) as pantau:
        yield pantau.base_url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    opened = await context.new_page()
    try:
        yield opened
    finally:
        name = request.node.name.replace("[", "_").replace("]", "")
        await opened.screenshot(path=str(artifacts() / f"{name}.png"))
        await context.close()


async def test_no_page_loads_anything_from_another_origin(page: Page, base_url: str) -> None:
    origin = urlparse(base_url).netloc
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    page.context.on("request", record)
    failed: list[str] = []
    page.context.on(
        "response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    console = Console()
    console.watch(page)

    docs = await page.goto(f"{base_url}/docs")
    assert docs is not None and docs.status == 200
    assert "https:" not in (await docs.all_headers())["content-security-policy"]
    operations = page.locator(".opblock")
    await expect(operations.first).to_be_visible(timeout=30_000)
    assert await operations.count() > 20  # every operation of the API, rendered
    await expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/regions").first
    ).to_be_visible()
    await page.screenshot(path=str(artifacts() / "docs_swagger_ui.png"))

    redoc = await page.goto(f"{base_url}/redoc")
    assert redoc is not None and redoc.status == 200
    await expect(page.locator("h1", has_text="Pantau")).to_be_visible(timeout=30_000)
    await expect(page.locator("[data-section-id]").first).to_be_attached()
    await page.screenshot(path=str(artifacts() / "docs_redoc.png"))

    for path in PAGES[2:]:
        response = await page.goto(f"{base_url}{path}")
        assert response is not None and response.status == 200, path
        await expect(page.locator("body")).to_be_visible()

    assert failed == [], failed
    assert unexpected(console.errors, base_url) == []  # a CSP violation is a console error
    paths = {urlparse(url).path for url in requested}
    assert {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/redoc.standalone.js"} <= paths
    elsewhere = [
        url
        for url in requested
        if urlparse(url).scheme in {"http", "https", "ws", "wss"} and urlparse(url).netloc != origin
    ]
    assert elsewhere == [], elsewhere
    assert len(requested) >= len(PAGES) * 2  # pages and their own assets were recorded


async def test_typing_in_the_search_box_filters_the_list(page: Page, base_url: str) -> None:
    console = Console()
    console.watch(page)
    await page.goto(f"{base_url}/")
    regions = page.locator("li.region:visible")
    box = page.locator("#region-q")
    await page.locator("details.province[data-province='73'] > summary").click()
    await box.fill("luwu")
    await expect(regions).to_have_count(3)
    names = await regions.locator(".name").all_text_contents()
    assert names == ["Kabupaten Luwu", "Kabupaten Luwu Utara", "Kabupaten Luwu Timur"]
    await expect(page.locator("details.province[data-province='11']")).to_be_hidden()
    await expect(page.locator("details.province[data-province='73']")).to_have_attribute("open", "")
    await page.screenshot(path=str(artifacts() / "search_typing_luwu.png"))

    await box.fill("73.73")
    await expect(regions).to_have_count(1)
    await expect(regions.locator(".name")).to_have_text("Kota Palopo")
    await box.fill("xyzzy")
    await expect(regions).to_have_count(0)
    await expect(page.locator("[data-role='search-none']")).to_be_visible()
    await box.fill("")
    await expect(page.locator("details.province:visible")).to_have_count(38)
    await expect(page.locator("[data-role='search-none']")).to_be_hidden()

    await box.fill("palapo")  # a typo: Enter asks the server, which tolerates it
    await box.press("Enter")
    await expect(page.locator("[data-role='search-result']")).to_contain_text("palapo")
    assert "q=palapo" in page.url
    await expect(regions).to_have_count(1)
    await expect(regions.locator(".name")).to_have_text("Kota Palopo")
    assert unexpected(console.errors, base_url) == []
