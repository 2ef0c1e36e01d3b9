"""The commands menu, in Russian by default and in English for English-speaking residents; once a
resident chooses a language, their chat's own menu follows that choice, whatever Telegram's is."""
from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.i18n import translator
from verification.refusal import N_

log = logging.getLogger(__name__)
COMMANDS = (
    ("start", N_("Vote")),
    ("status", N_("My ballots and their status")),
    ("results", N_("Results for my house")),
    ("check", N_("Check my vote on the public board")),
    ("stats", N_("Statistics of the vote")),
    ("language", N_("Language")),
    ("settings", N_("Announcements on or off")),
    ("centre", N_("The information centre: contacts and claims")),
    ("forget", N_("Withdraw consent and erase my data")),
    ("help", N_("How to vote")),
    ("cancel", N_("Stop the current step")),
)


def commands(language: str) -> list[BotCommand]:
    _ = translator(language)
    return [BotCommand(command=name, description=_(description)) for name, description in COMMANDS]


async def set_commands(bot: Bot) -> None:
    """At start-up; a menu Telegram would not take now is no reason not to run."""
    try:
        await bot.set_my_commands(commands("ru"))
        await bot.set_my_commands(commands("en"), language_code="en")
    except TelegramAPIError as error:
        log.warning("the commands menu was not set: %s", error.message.splitlines()[0])


async def set_chat_commands(bot: Bot, chat_id: int, language: str) -> bool:
    """The menu of one chat in `language`; False when Telegram would not take it, which costs the
    resident only a menu in the other language, never the step they are at."""
    try:
        await bot.set_my_commands(commands(language), scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as error:
        # the chat's id is the resident's identifier: it stays out of the log
        log.warning("a chat's commands menu was not set: %s", error.message.splitlines()[0])
        return False
    return True
