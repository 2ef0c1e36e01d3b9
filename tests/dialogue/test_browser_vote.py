"""A person votes start to finish in the sandbox's web chat, in Russian and in English."""
from __future__ import annotations

import os

import pytest

from tests.dialogue.steps import KUBINKA, KUBINKA_HOUSE, WORDS
from tests.plugins.dialogue import Person

pytestmark = pytest.mark.browser


async def say(page, text: str) -> None:
    await page.fill("#text-input", text)
    await page.press("#text-input", "Enter")


async def press(page, text: str) -> None:
    from playwright.async_api import expect

    button = page.locator(".msg.bot .inline-keyboard button", has_text=text).last
    await expect(button).to_be_visible()
    await button.click()


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_a_person_votes_in_the_web_chat(page, stand, language):
    from playwright.async_api import expect

    words = WORDS[language]
    await page.goto(stand.server.page_url)
    name = "Мария" if language == "ru" else "Mary"
    await page.fill("#new-person input[name=first_name]", name)
    await page.select_option("#new-person select[name=language_code]", language)
    await page.click("#new-person button[type=submit]")
    await expect(page.locator(".person.active")).to_contain_text(name)
    await expect(page.locator("#text-input")).to_be_visible()
    await say(page, "/start")
    await press(page, words["agree"])
    await expect(page.locator(".msg.bot").last).to_contain_text("Кубинка 12 к3")
    await say(page, KUBINKA)
    await press(page, KUBINKA_HOUSE)
    for answer in Person().answers():
        before = await page.locator(".msg.bot").count()
        await say(page, answer)
        await expect(page.locator(".msg.bot")).not_to_have_count(before)
    await press(page, words["all_correct"])
    await press(page, words["yes"])
    await press(page, words["sure_yes"])
    receipt = page.locator(".msg.bot").last
    await expect(receipt).to_contain_text("Квитанция" if language == "ru" else "Receipt")
    # the messages carrying personal data were deleted from the chat
    await expect(page.locator(".msg.user", has_text="45 12 345678")).to_have_count(0)
    if os.environ.get("SANDBOX_SCREENSHOT"):
        await page.screenshot(path=f"{os.environ['SANDBOX_SCREENSHOT']}-{language}.png", full_page=False)
