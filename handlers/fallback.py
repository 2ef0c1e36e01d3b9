"""What the bot says when an update fits no step: stale buttons, text where a button is expected."""
from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from handlers import views
from handlers.states import Vote


BUTTON_STEPS = (Vote.consent, Vote.choosing_poll, Vote.reusing, Vote.reviewing, Vote.choosing, Vote.confirming)


async def stale_button(query: CallbackQuery) -> None:
    """A button from an earlier step, a restart or an expired session: say so, never raise."""
    await query.answer(views.out_of_date(), show_alert=True)


async def anything_else(message: Message, raw_state: str | None) -> None:
    if raw_state in {s.state for s in BUTTON_STEPS}:
        await message.answer(views.use_buttons())
    elif raw_state is not None:
        await message.answer(views.text_expected())
    elif message.text and message.text.startswith("/"):
        await message.answer(views.unknown_command())
    else:
        await message.answer(views.help_text())


def create_router() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(stale_button)
    router.message.register(anything_else)
    return router
