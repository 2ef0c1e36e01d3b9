"""The web chat as a person sees it: the START button, the phone layout, the favicon, "edited" marks."""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.client import SandboxClient
from sandbox.guard import HEADER
from sandbox.runner import SandboxServer
from sandbox.state import Person
from tests.plugins.sandbox import png

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
PEOPLE = (Person(id=1001, first_name="Анна", last_name="Смирнова", language_code="ru"),
          Person(id=1002, first_name="John", last_name="Smith", language_code="en"))
RESIDENTS = [{"name": "Смирнова Анна Сергеевна",
              "адрес / address": "г. Москва, ул. Большая Переяславская, д. 11, корп. 2",
              "кв. / flat": "17", "паспорт / passport": "4510 123456", "СНИЛС / SNILS": "112-233-445 95",
              "итог / outcome": "✅ будет учтён / counted"}]


@pytest.fixture
async def sandbox_server() -> AsyncIterator[SandboxServer]:
    """The plugin's server, with people to pick and the demo residents' panel, as `make sandbox` has."""
    async def demo_info() -> dict:
        return {"residents": RESIDENTS}

    async with SandboxServer(host="127.0.0.1", port=0, demo_info=demo_info, people=PEOPLE) as server:
        yield server


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)
                                                  for text, data in buttons]])


async def shoot(page, tmp_path: Path, name: str) -> None:
    """A screenshot to look at: in the test's tmp_path, and in $SANDBOX_SCREENSHOT_DIR when set."""
    path = tmp_path / f"webchat-{name}.png"
    await page.screenshot(path=str(path), animations="disabled")  # drawers as they end, not mid-way
    folder = os.environ.get("SANDBOX_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)


async def page_width(page) -> int:
    return await page.evaluate("document.documentElement.scrollWidth")


# ---------- the edit_date rule, without a browser ----------

async def test_only_a_change_of_what_is_read_marks_a_message_edited(
        sandbox_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna = sandbox_client.user(901, "Анна")
    await anna.register()
    sent = await sandbox_bot.send_message(anna.id, "Голосуем?", reply_markup=keyboard(("Да", "yes")))
    moved = await sandbox_bot.edit_message_reply_markup(chat_id=anna.id, message_id=sent.message_id,
                                                        reply_markup=keyboard(("Нет", "no")))
    assert moved.edit_date is None
    assert [(m.buttons, m.edited) for m in await anna.messages()] == [([["Нет"]], False)]
    await sandbox_bot.edit_message_reply_markup(chat_id=anna.id, message_id=sent.message_id)
    assert not (await anna.last_message()).edited

    retold = await sandbox_bot.edit_message_text("Голос принят", chat_id=anna.id, message_id=sent.message_id)
    assert retold.edit_date is not None and (await anna.last_message()).edited
    # once edited, a later change of buttons alone leaves the mark
    again = await sandbox_bot.edit_message_reply_markup(chat_id=anna.id, message_id=sent.message_id,
                                                        reply_markup=keyboard(("Ок", "ok")))
    assert again.edit_date == retold.edit_date and (await anna.last_message()).edited

    photo = await sandbox_bot.send_photo(anna.id, BufferedInputFile(png(8, 8), "p.png"), caption="Было",
                                         reply_markup=keyboard(("Да", "yes")))
    assert (await sandbox_bot.edit_message_reply_markup(
        chat_id=anna.id, message_id=photo.message_id)).edit_date is None
    recaptioned = await sandbox_bot.edit_message_caption(chat_id=anna.id, message_id=photo.message_id,
                                                         caption="Стало")
    assert recaptioned.edit_date is not None and (await anna.last_message()).edited


async def test_the_favicon_is_linked_and_served_as_svg(sandbox_server: SandboxServer) -> None:
    async with aiohttp.ClientSession(sandbox_server.url) as http:
        async with http.get("/", headers={HEADER: sandbox_server.sandbox.api_token}) as response:
            page = await response.text()
        link = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', page)
        assert link, "index.html links no icon"
        for url in (link.group(1), "/favicon.ico"):  # what the page links, and where browsers guess
            async with http.get(url) as response:
                assert response.status == 200, url
                assert response.content_type == "image/svg+xml", url
                assert (await response.text()).lstrip().startswith("<svg"), url


# ---------- in the browser ----------

@pytest.mark.browser
async def test_an_empty_chat_offers_start_and_pressing_it_starts_the_bot(
        page, sandbox_server: SandboxServer, demo_bot: Bot, tmp_path: Path) -> None:
    from playwright.async_api import expect

    failed: list[str] = []
    page.on("response", lambda response: failed.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    await page.goto(sandbox_server.page_url)
    await page.fill("#new-person input[name=first_name]", "Мария")
    await page.click("#new-person button[type=submit]")
    await expect(page.locator(".person.active")).to_contain_text("Мария")

    start = page.locator("#start-button")
    await expect(start).to_be_visible()
    await expect(start).to_have_text("Запустить")
    await expect(page.locator("#empty-state")).to_have_text("Нет сообщений")
    await shoot(page, tmp_path, "desktop-empty")

    await start.click()
    await expect(page.locator(".msg.user").first).to_contain_text("/start")
    await expect(page.locator(".msg.bot").last).to_contain_text("Здравствуйте, Мария! Голосуем?")
    await expect(start).to_be_hidden()
    await expect(page.locator("#empty-state")).to_be_hidden()
    await page.fill("#text-input", "Сколько квартир в доме должны проголосовать, чтобы решение считалось?")
    await page.press("#text-input", "Enter")
    await expect(page.locator(".msg.bot").last).to_contain_text("Вы написали: Сколько квартир")
    await shoot(page, tmp_path, "desktop-chat")

    # a person who already talked to the bot is not offered START again, after a reload too
    await page.reload()
    await expect(page.locator(".msg.bot").last).to_contain_text("Вы написали")
    await expect(start).to_be_hidden()
    await page.click("#people-list [data-user-id='1002']")
    await expect(start).to_be_visible()
    await page.click("[data-lang=en]")
    await expect(start).to_have_text("Start")
    assert failed == []  # the favicon among them


@pytest.mark.browser
async def test_the_page_fits_a_phone_and_the_people_open_as_a_drawer(
        page, sandbox_server: SandboxServer, demo_bot: Bot, tmp_path: Path) -> None:
    from playwright.async_api import expect

    await page.set_viewport_size(PHONE)
    await page.goto(sandbox_server.page_url)
    people = page.locator("nav.people")
    # nobody chosen yet: the list is what a phone shows first
    await expect(people).to_be_visible()
    await expect(page.locator("#people-list .person")).to_have_count(2)
    assert await page_width(page) <= PHONE["width"]
    await shoot(page, tmp_path, "phone-people")

    await page.mouse.click(360, 400)  # outside the drawer
    await expect(people).to_be_hidden()
    await expect(page.locator("#empty-state")).to_contain_text("☰")
    assert await page_width(page) <= PHONE["width"]

    await page.click("#people-button")
    await expect(people).to_be_visible()
    await people.locator(".person", has_text="Анна").click()
    await expect(people).to_be_hidden()
    await expect(page.locator("#chat-as")).to_contain_text("Анна")
    await expect(page.locator("#start-button")).to_be_visible()
    assert await page_width(page) <= PHONE["width"]
    await shoot(page, tmp_path, "phone-empty")

    await page.click("#start-button")
    answer = page.locator(".msg.bot").last
    await expect(answer.locator(".inline-keyboard button")).to_have_text(["Да", "Нет"])
    await page.fill("#text-input", "ул.Большая-Переяславская-дом-11-корпус-2-квартира-17-без-пробелов-совсем")
    await page.press("#text-input", "Enter")
    await expect(page.locator(".msg.bot").last).to_contain_text("Вы написали")
    await page.fill("#text-input", "/menu")
    await page.press("#text-input", "Enter")
    await expect(page.locator("#reply-keyboard button")).to_have_count(2)
    assert await page_width(page) <= PHONE["width"]
    box = await page.locator("#send-button").bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"], "the send button is off the screen"
    await shoot(page, tmp_path, "phone-chat")

    demo = page.locator("#demo-panel")
    await expect(demo).to_be_hidden()
    await page.click("#demo-button")
    await expect(demo).to_be_visible()
    await expect(demo).to_contain_text("4510 123456")
    assert await page_width(page) <= PHONE["width"]
    await shoot(page, tmp_path, "phone-demo")
    await demo.locator("dd", has_text="4510 123456").click()  # puts it into the message field
    await expect(demo).to_be_hidden()
    await expect(page.locator("#text-input")).to_have_value("4510 123456")

    # the desktop keeps its three columns, no drawer buttons
    await page.set_viewport_size(DESKTOP)
    await expect(people).to_be_visible()
    await expect(demo).to_be_visible()
    await expect(page.locator("#people-button")).to_be_hidden()
    await expect(page.locator("#demo-button")).to_be_hidden()


@pytest.mark.browser
async def test_new_buttons_alone_show_no_edited_mark_but_new_text_does(
        page, sandbox_server: SandboxServer, sandbox_bot: Bot) -> None:
    from playwright.async_api import expect

    sent = await sandbox_bot.send_message(1001, "Голосуем?", reply_markup=keyboard(("Да", "yes")))
    await page.goto(sandbox_server.page_url)
    await page.click("#people-list [data-user-id='1001']")
    bubble = page.locator(f".msg[data-message-id='{sent.message_id}']")
    await expect(bubble.locator(".inline-keyboard button")).to_have_text(["Да"])

    await sandbox_bot.edit_message_reply_markup(chat_id=1001, message_id=sent.message_id,
                                                reply_markup=keyboard(("Точно да", "sure")))
    await expect(bubble.locator(".inline-keyboard button")).to_have_text(["Точно да"])
    await expect(bubble.locator(".edited")).to_have_count(0)

    await sandbox_bot.edit_message_text("Голос принят", chat_id=1001, message_id=sent.message_id)
    await expect(bubble).to_contain_text("Голос принят")
    await expect(bubble.locator(".edited")).to_have_text("изменено")
