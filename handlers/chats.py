"""Where the dialogue may run: only in a resident's private chat with the bot.

In a group, personal data would be asked for in front of everyone and other members could press
a resident's buttons. So in a group the bot says once to write to it privately and ignores the
rest; a press on a message the bot cannot see (an inline message, or one too old to show) or in
someone else's chat is refused with an alert. This router goes first: no other handler sees
such updates, and none of them has to check for them.
"""
from __future__ import annotations

from aiogram import Bot, Router
from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import CallbackQuery, Message

from handlers import views

TOLD = "told_to_write_privately"  # kept in the group's own FSM data


class OutsidePrivateChat(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.chat.type != ChatType.PRIVATE


class StrayPress(Filter):
    """A press the dialogue cannot act on; tells the handler which kind it is."""

    async def __call__(self, query: CallbackQuery) -> bool | dict[str, bool]:
        message = query.message
        if not isinstance(message, Message):  # None (inline) or InaccessibleMessage (too old)
            return {"foreign": False}
        if message.chat.type != ChatType.PRIVATE or message.chat.id != query.from_user.id:
            return {"foreign": True}
        return False


async def in_group(message: Message, state: FSMContext, bot: Bot) -> None:
    group = FSMContext(state.storage, StorageKey(bot_id=bot.id, chat_id=message.chat.id,
                                                 user_id=message.chat.id))
    if (await group.get_data()).get(TOLD):
        return
    await group.update_data({TOLD: True})
    text, markup = views.write_privately((await bot.me()).username or "")
    await message.answer(text, reply_markup=markup)


async def stray_press(query: CallbackQuery, foreign: bool) -> None:
    await query.answer(views.not_your_button() if foreign else views.out_of_date(), show_alert=True)


def create_router() -> Router:
    router = Router(name="chats")
    router.message.register(in_group, OutsidePrivateChat())
    router.callback_query.register(stray_press, StrayPress())
    return router
