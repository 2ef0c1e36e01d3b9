"""/forget: a resident withdraws consent to the processing of their personal data (152-FZ)."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers import forget_views as views
from handlers.forget_views import ForgetAction, ForgetCb
from services.privacy import PrivacyDesk


async def forget_command(message: Message, session, resident) -> None:
    consequences = await PrivacyDesk(session).consequences(resident)
    if consequences is None:
        await message.answer(views.nothing_kept())
        return
    text, markup = views.confirm(consequences)
    await message.answer(text, reply_markup=markup)


async def forget_confirmed(query: CallbackQuery, state: FSMContext, session, resident, settings) -> None:
    done = None if resident is None else await PrivacyDesk(session).forget(resident, language=settings.default_locale)
    if done is None:
        await query.answer(views.already_withdrawn(), show_alert=True)
        await query.message.edit_reply_markup(reply_markup=None)
        return
    await state.clear()  # a dialogue under way holds answers sealed in its state: they go too
    await query.answer()
    await query.message.edit_text(views.forgotten(done))


async def forget_kept(query: CallbackQuery) -> None:
    await query.answer()
    await query.message.edit_text(views.kept())


def create_router() -> Router:
    router = Router(name="forget")
    router.message.register(forget_command, Command("forget"), flags={"resident": True})
    router.callback_query.register(forget_confirmed, ForgetCb.filter(F.action == ForgetAction.CONFIRM),
                                   flags={"resident": True})
    router.callback_query.register(forget_kept, ForgetCb.filter(F.action == ForgetAction.KEEP))
    return router
