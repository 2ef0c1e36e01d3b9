"""The results page and a house's page in headless Chromium, on a desktop and on a 375-px phone:
nothing runs off the side of the screen, the chart is drawn, the houses' table becomes cards.

Screenshots go into the test's tmp_path (and into $WEB_SCREENSHOTS, when set, to look at by eye).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.web.conftest import KUBINKA_12_3

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": 1280, "phone": 375}


async def _shot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    if os.environ.get("WEB_SCREENSHOTS"):
        folder = Path(os.environ["WEB_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.name)


async def _fits(page, width: int) -> None:
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page is {scroll_width} px wide on a {width}-px screen"


@pytest.mark.parametrize("screen", WIDTHS)
async def test_the_results_page_fits_the_screen(page, site_url, sqlite_site, tmp_path, screen):
    from playwright.async_api import expect

    width = WIDTHS[screen]
    await page.set_viewport_size({"width": width, "height": 900})
    await page.set_extra_http_headers({"Accept-Language": "ru-RU,ru;q=0.9"})  # Chromium asks for en-US
    await page.goto(f"{site_url}/polls/{sqlite_site.replay_poll}?q=Кубинка")
    await expect(page.locator(".tile.included .what")).to_have_text("домов включено")
    await expect(page.locator("h1")).to_have_text("Реновация 2017 (воспроизведение)")
    await expect(page.locator("table.houses tbody tr").first).to_contain_text("улица Кубинка")
    await _fits(page, width)
    header = page.locator("table.houses thead th").nth(1)  # okrug and district: on a phone, in each card
    await (expect(header).to_be_hidden() if screen == "phone" else expect(header).to_be_visible())
    await _shot(page, tmp_path, f"results-{screen}")
    await page.goto(f"{site_url}/polls/{sqlite_site.replay_poll}")  # the whole list, paged
    await _fits(page, width)
    await _shot(page, tmp_path, f"results-all-{screen}")


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("screen", WIDTHS)
async def test_a_house_page_fits_the_screen_and_draws_its_chart(page, site_url, sqlite_site, tmp_path, screen,
                                                                language):
    from playwright.async_api import expect

    width = WIDTHS[screen]
    await page.set_viewport_size({"width": width, "height": 900})
    await page.goto(f"{site_url}/polls/{sqlite_site.replay_poll}/houses/{KUBINKA_12_3}?lang={language}")
    await expect(page.locator("h1")).to_have_text("улица Кубинка, дом 12, корпус 3")
    await expect(page.locator(".equation")).to_contain_text("× ")
    chart = page.locator(".chart img")
    await expect(chart).to_be_visible()
    assert await chart.evaluate("image => image.complete && image.naturalWidth > 0")
    box = await chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    legend = page.locator(".chart figcaption")  # the picture's legend is too small to read on a phone
    await (expect(legend).to_be_visible() if screen == "phone" else expect(legend).to_be_hidden())
    await _fits(page, width)
    await _shot(page, tmp_path, f"house-{screen}-{language}")
