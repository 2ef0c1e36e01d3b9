"""The bot's own messages that showed a resident's personal data (the review, a warning quoting
an answer), remembered as they are sent and cleared from the chat once the ballot is cast or the
dialogue stops: a phone left unlocked shows no name, birth date or document number afterwards.

Clearing is best effort: Telegram refuses to delete a message older than 48 hours, so such a
message is edited into a masked text instead, and a failure of both never stops the dialogue.
"""
from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from handlers import entry_views, views
from verification.levels import Field

log = logging.getLogger(__name__)
KEY = "personal_ids"


async def remember(state: FSMContext, message_id: int) -> None:
    # read afresh: one update may remember more than one message
    known = (await state.get_data()).get(KEY) or ()
    await state.update_data({KEY: [*known, message_id]})


def shown_in(data: dict[str, Any]) -> list[int]:
    """Every message of the dialogue still showing personal data: those remembered, and the
    question on screen while it shows the warning about a refused personal answer."""
    ids = list(data.get(KEY) or ())
    field = data.get("field")
    if data.get("refusals") and data.get("question_id") and field and Field(field) in views.PERSONAL:
        ids.append(data["question_id"])
    return ids


async def clear(bot: Bot, chat_id: int, message_ids: list[int]) -> None:
    for message_id in dict.fromkeys(message_ids):
        try:
            await bot.delete_message(chat_id=chat_id, message_id=message_id)
            continue
        except TelegramAPIError as error:
            log.info("a message with personal data could not be deleted (%s); masking it", error.message)
        try:
            await bot.edit_message_text(entry_views.personal_data_removed(), chat_id=chat_id,
                                        message_id=message_id, reply_markup=None)
        except TelegramAPIError as error:
            log.warning("a message with personal data could be neither deleted nor masked (%s)", error.message)


async def clear_shown(message: Message, data: dict[str, Any]) -> None:
    """Clears what the dialogue (as `data` had it) showed; `message`: any message of the chat."""
    ids = shown_in(data)
    if ids:
        await clear(message.bot, message.chat.id, ids)


async def clear_remembered(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    """Clears what the dialogue shows and forgets it, for a dialogue that keeps its other data."""
    if shown_in(data):
        await clear_shown(message, data)
        await state.update_data({KEY: [], "refusals": 0})
