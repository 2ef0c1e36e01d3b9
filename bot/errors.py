"""A failed update: one log line, and a word to the resident when they can still be reached.

Without this aiogram logs a traceback per failure and the resident hears nothing. An update that
failed because Redis or the database did not answer is, on a webhook, put off instead: Telegram
is answered 503 and delivers it again. Telegram's
refusals (a resident who blocked the bot, a message it would not take) are expected in a bot
this size and get one line; anything else gets one record with its traceback.
"""
from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import ErrorEvent, Message, Update

from bot.isolation import ResidentBusy
from bot.logs import first_line
from bot.once import current_delivery
from bot.outages import is_outage
from handlers import views

log = logging.getLogger(__name__)


async def update_failed(event: ErrorEvent, bot: Bot) -> bool:
    update, error = event.update, event.exception
    delivery = current_delivery.get()
    if delivery is not None and is_outage(error):
        # a webhook delivery: Telegram is answered 503 and delivers the update again, and the
        # resident gets the real answer then instead of an apology now
        delivery.retry = True
        log.warning("update %s (%s) put off: %s", update.update_id, update.event_type, _described(error))
        return True
    expected = isinstance(error, (TelegramAPIError, ResidentBusy))
    # the update's kind and id only: what the resident sent is personal data
    log.error("update %s (%s) failed: %s", update.update_id, update.event_type, _described(error),
              exc_info=None if expected else error)
    if isinstance(error, TelegramForbiddenError):
        return True  # the resident blocked the bot: there is nobody to tell
    busy = isinstance(error, ResidentBusy)
    text = views.busy() if busy else views.failed()
    query = update.callback_query
    chat = _private_chat(update)
    try:
        # a press the handler never reached is still unanswered: an alert; otherwise the press
        # may have been answered already, and a message in the chat is what the resident sees
        if query is not None and (busy or chat is None):
            await query.answer(text, show_alert=True)
        elif chat is not None:
            await bot.send_message(chat, text)
    except TelegramAPIError as again:
        log.warning("update %s: could not tell the resident either: %s", update.update_id, _described(again))
    return True


def _described(error: BaseException) -> str:
    return f"{type(error).__name__}: {first_line(error)}"


def _private_chat(update: Update) -> int | None:
    message = update.message or (update.callback_query.message if update.callback_query else None)
    if isinstance(message, Message) and message.chat.type == ChatType.PRIVATE:
        return message.chat.id
    return None


def handle_errors(dispatcher: Dispatcher) -> None:
    dispatcher.errors.register(update_failed)
