"""The operators' console in headless Chromium (#20 item 2), against one `pantau serve` (its
checker and dispatcher off) and one browser for the module: a Palopo office's key signs in
(Chromium keeps the Secure, HttpOnly, SameSite=Strict cookie on http://127.0.0.1) and runs its
region end to end, without JavaScript and under the real Content-Security-Policy: adds a
service, checks it now, schedules maintenance in WITA after previewing it, posts an incident
update and creates a subscription; it sees nothing of Denpasar. Every page fits a 390 px
phone. Screenshots at desktop and 390 px width go to $PANTAU_TEST_ARTIFACTS (test-artifacts/)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from app.store.db import Database
from app.store.keys import Scope, create_key
from tests.conftest import make_settings
from tests.factories import add_incident, add_service
from tests.support.browser import Console, artifacts, chromium, require_browser
from tests.support.harness import serving_copy
from tests.support.servers import respond, serve

require_browser()

from playwright.async_api import Browser, FilePayload, Page, ViewportSize, expect  # noqa: E402

LETTER_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)
OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"


@dataclass
class Site:
    base_url: str
    token: str
    incident_id: int


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Site]:
    folder = tmp_path_factory.mktemp("console")
    settings = {
        "run_checker": "false",
        "run_dispatcher": "false",
        "webhook_allowed_networks": "127.0.0.1/32",
    }
    async with serving_copy(sqlite_template, folder, **settings) as pantau:
        database = Database(make_settings(pantau.env["PANTAU_DATABASE_URL"]))
        try:
            await add_service(database, "51.71")
            incident_id = await add_incident(database, "73.73")
            async with database.transaction() as session:
                scopes = [
                    Scope.SERVICES_WRITE,
                    Scope.DECLARATIONS_WRITE,
                    Scope.MAINTENANCE_WRITE,
                    Scope.SUBSCRIPTIONS_WRITE,
                ]
                _key, token = await create_key(
                    session,
                    name="Disdukcapil Kota Palopo",
                    scopes=scopes,
                    created_by="test",
                    region_code="73.73",
                )
        finally:
            await database.dispose()
        yield Site(pantau.base_url, token, incident_id)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser) -> AsyncIterator[Page]:
    # No JavaScript: the console's forms must work without it.
    context = await browser.new_context(viewport=DESKTOP, locale="id-ID", java_script_enabled=False)
    opened = await context.new_page()
    console = Console()
    console.watch(opened)
    try:
        yield opened
        # Chromium asks for /favicon.ico by itself; Denpasar's page is the test's own 404.
        errors = [e for e in console.errors if "/favicon.ico" not in e and "/51.71" not in e]
        assert errors == [], errors
    finally:
        await context.close()


async def shoot(page: Page, name: str) -> None:
    """A screenshot at desktop width and one at 390 px, where nothing may overflow."""
    await page.screenshot(path=str(artifacts() / f"console_{name}_desktop.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    assert await page.evaluate(OVERFLOW), f"{name} is wider than 390 px"
    await page.screenshot(path=str(artifacts() / f"console_{name}_390.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)


async def test_a_palopo_key_runs_its_region_in_the_console(page: Page, site: Site) -> None:
    async with serve(respond(200, b"SIAK OK")) as endpoint, serve(respond(204)) as receiver:
        await page.goto(f"{site.base_url}/console")
        assert page.url.endswith("/console/login")
        await page.fill("#f-token", site.token)
        await page.click("[data-role='login-form'] button")
        assert page.url == f"{site.base_url}/console"
        (cookie,) = [c for c in await page.context.cookies() if c["name"] == "pantau_console"]
        assert (cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (True, True, "Strict")
        assert cookie["path"] == "/console" and site.token not in cookie["value"]

        regions = page.locator("tr[data-region]")
        await expect(regions).to_have_count(1)
        await expect(regions.first).to_have_attribute("data-region", "73.73")
        await expect(page.locator("[data-role='key-area']")).to_contain_text("73.73")
        await shoot(page, "home")

        await page.click("a[href='/console/regions/73.73']")
        await expect(page.locator("[data-role='zone']")).to_have_text("WITA")
        form = page.locator("[data-role='service-form']")
        await form.locator("[name='name']").fill("SIAK Gateway Palopo")
        await form.locator("[name='url']").fill(f"{endpoint.url()}health")
        await form.locator("button").click()
        await expect(page.locator("[data-role='done']")).to_contain_text("Layanan ditambahkan")
        await page.click("[data-role='check-now']")
        await expect(page.locator("[data-role='check-reason']")).to_have_text("ok")
        await expect(page.locator("[data-role='check-status']")).to_have_text("200")
        await expect(page.locator("[data-role='evidence']")).to_contain_text("200")
        await shoot(page, "check_now")

        await page.goto(f"{site.base_url}/console/regions/73.73")
        window = page.locator("[data-role='maintenance-form']")
        await window.locator("[name='title']").fill("Pemeliharaan server SIAK")
        await window.locator("[name='starts_at']").fill("2030-01-06T22:00")
        await window.locator("[name='ends_at']").fill("2030-01-06T23:30")
        await window.locator("[name='rrule']").fill("FREQ=WEEKLY;BYDAY=SU")
        await page.click("[data-role='preview-button']")
        preview = page.locator("[data-role='preview'] li")
        await expect(preview).to_have_count(5)
        await expect(preview.first).to_have_text("6 Jan 2030 22.00 WITA – 6 Jan 2030 23.30 WITA")
        await shoot(page, "maintenance_preview")
        await page.click("[data-role='schedule-button']")
        await expect(page.locator("[data-role='done']")).to_contain_text("Pemeliharaan dijadwalkan")
        await expect(page.locator("[data-role='window-list']")).to_contain_text(
            "Pemeliharaan server SIAK"
        )

        update = page.locator(f"[data-incident='{site.incident_id}'] [data-role='update-form']")
        await update.locator("[name='status']").select_option("identified")
        await update.locator("[name='body_id']").fill("Akses VPN diputus oleh pusat.")
        await update.locator("[name='body_en']").fill("VPN access was cut centrally.")
        await update.locator("button").click()
        await expect(page.locator("[data-role='done']")).to_contain_text("Pembaruan insiden")
        await expect(page.locator("[data-role='updates']")).to_contain_text("Akses VPN diputus")

        declaration = page.locator("[data-role='declaration-form']")
        await declaration.locator("[name='kind']").select_option("cutoff")
        await declaration.locator("[name='reference']").fill("400.8/77")
        await declaration.locator("[name='issuer']").fill("Ditjen Dukcapil")
        await declaration.locator("[name='issued_at']").fill("2026-12-03")
        letter = FilePayload(name="surat.pdf", mimeType="application/pdf", buffer=LETTER_PDF)
        await declaration.locator("[name='file']").set_input_files(letter)
        await declaration.locator("[name='visibility']").select_option("public")
        await declaration.locator("button").click()
        await expect(page.locator("[data-role='done']")).to_contain_text("Pernyataan dicatat")
        shown = page.locator("[data-role='letter-visibility']")
        await expect(shown).to_have_attribute("data-visibility", "public")
        await expect(page.locator("[data-role='letter-link']")).to_have_count(1)
        await shoot(page, "region")

        await page.click("[data-role='nav-subscriptions']")
        new = page.locator("[data-role='subscription-form']")
        await expect(new.locator("[name='region_prefixes']")).to_have_value("73.73")
        await new.locator("[name='url']").fill(f"{receiver.url()}hook")
        await new.locator("[name='description']").fill("Portal Pemkot Palopo")
        await new.locator("button").click()
        await expect(page.locator("[data-role='secret']")).to_contain_text("whsec_")
        await expect(page.locator("tr[data-subscription]")).to_have_count(1)
        await shoot(page, "subscriptions")

        # Nothing of Denpasar, however asked.
        response = await page.goto(f"{site.base_url}/console/regions/51.71")
        assert response is not None and response.status == 404
        await expect(page.locator("[data-role='refusal']")).to_contain_text("Tidak ditemukan")

        await page.goto(f"{site.base_url}/console")
        await page.click("[data-role='sign-out']")
        assert page.url.endswith("/console/login")
        await page.goto(f"{site.base_url}/console")
        assert page.url.endswith("/console/login")
