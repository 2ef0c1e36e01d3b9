"""The commands menu follows the language the resident chose, in their chat only, and the choice is
confirmed by one message in the new language; a menu Telegram refuses never stops the dialogue."""
from __future__ import annotations

import logging

from aiogram.types import BotCommandScopeChat

from bot.menu import COMMANDS
from tests.dialogue.steps import consent, press_when_shown

NAMES = [name for name, _description in COMMANDS]


async def menu_seen(user) -> list[str]:
    """The menu as the person sees it under the input field: Telegram's choice among the scopes."""
    commands = (await user.chat())["commands"]
    assert [c["command"] for c in commands] == NAMES
    return [c["description"] for c in commands]


async def chat_menu(stand, user) -> list[str]:
    """The menu set for this one chat; empty when the chat has none of its own."""
    commands = await stand.app.bot.get_my_commands(scope=BotCommandScopeChat(chat_id=user.id))
    return [c.description for c in commands]


async def choose_language(user, button: str):
    """/language, then the language's button; returns the bot's messages before and after the press."""
    await user.send("/language")
    await user.wait_for(lambda message: any(button in row for row in message.buttons))
    before = [m for m in await user.messages() if m.from_bot]
    await press_when_shown(user, button)
    return before, [m for m in await user.messages() if m.from_bot]


async def test_english_chosen_in_a_russian_telegram_turns_this_chats_menu_english(stand):
    anna = stand.client.user(2101, "Анна", language_code="ru")
    olga = stand.client.user(2102, "Ольга", language_code="ru")
    await consent(anna)
    await consent(olga)
    # the language taken at the start (Telegram's) is this chat's menu's from then on
    assert (await chat_menu(stand, anna))[0] == "Проголосовать"

    before, after = await choose_language(anna, "English")

    assert len(after) == len(before)  # the choice's own message says it: nothing is added
    (confirmation,) = [m for m in after if m.id == before[-1].id]
    assert confirmation.text == "Language: English. The menu's commands are in English too."
    assert confirmation.buttons == []
    menu = await menu_seen(anna)
    assert menu[0] == "Vote" and "How to vote" in menu
    assert (await menu_seen(olga))[0] == "Проголосовать"  # another chat keeps its own
    assert "How to vote" in (await user_help(anna)).text


async def test_russian_chosen_in_an_english_telegram_turns_this_chats_menu_russian(stand):
    john = stand.client.user(2103, "John", language_code="en")
    await consent(john, "en")
    assert (await chat_menu(stand, john))[0] == "Vote"

    before, after = await choose_language(john, "Русский")

    assert len(after) == len(before)
    assert after[-1].text == "Язык: русский. Команды в меню — тоже на русском."
    menu = await menu_seen(john)  # Telegram's language (en) no longer decides
    assert menu[0] == "Проголосовать" and "Как проголосовать" in menu


async def test_a_menu_telegram_refuses_costs_only_the_menu(stand, caplog):
    caplog.set_level(logging.WARNING, logger="bot.menu")
    anna = stand.client.user(2104, "Анна", language_code="ru")
    await stand.client.add_fault("400", method="setMyCommands", description="Bad Request: chat not found")

    prompt = await consent(anna)
    assert "Напишите адрес своего дома" in prompt.text  # the dialogue went on
    before, after = await choose_language(anna, "English")

    assert len(after) == len(before)
    assert after[-1].text == "Language: English."  # the menu is not said to follow: it did not
    assert (await menu_seen(anna))[0] == "Проголосовать"
    assert "How to vote" in (await user_help(anna)).text  # the language itself changed
    refused = [r.getMessage() for r in caplog.records if r.name == "bot.menu"]
    assert refused == ["a chat's commands menu was not set: Bad Request: chat not found"] * 2
    assert not any(str(anna.id) in line for line in refused)


async def user_help(user):
    return await user.send("/help")
