"""A person in headless Chromium: opens the page, sends /start, sees the bot's answer and its buttons."""
from __future__ import annotations

import os

import pytest
from aiogram import Bot

from sandbox.runner import SandboxServer

pytestmark = pytest.mark.browser


async def test_a_person_chats_with_the_bot_in_the_page(page, sandbox_server: SandboxServer, demo_bot: Bot) -> None:
    from playwright.async_api import expect

    await page.goto(sandbox_server.page_url)
    await page.fill("#new-person input[name=first_name]", "Мария")
    await page.click("#new-person button[type=submit]")
    await expect(page.locator(".person.active")).to_contain_text("Мария")

    await page.fill("#text-input", "/start")
    await page.press("#text-input", "Enter")

    answer = page.locator(".msg.bot").last
    await expect(answer).to_contain_text("Здравствуйте, Мария! Голосуем?")
    await expect(answer.locator(".inline-keyboard button")).to_have_text(["Да", "Нет"])
    await expect(page.locator(".msg.user").last).to_contain_text("/start")

    await answer.locator(".inline-keyboard button", has_text="Да").click()
    await expect(page.locator(".toast")).to_contain_text("Голос принят")
    await expect(answer).to_contain_text("Ваш голос: Да")
    await expect(answer.locator(".inline-keyboard")).to_have_count(0)
    if os.environ.get("SANDBOX_SCREENSHOT"):  # to look at the page by eye
        await page.screenshot(path=os.environ["SANDBOX_SCREENSHOT"])
