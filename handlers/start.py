"""Greeting, consent to personal-data processing, help and language."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.menu import set_chat_commands
from handlers import flow, language_views, views
from handlers.callbacks import ConsentCb, LanguageCb
from handlers.states import Vote
from services.residents import ResidentDesk


async def start(message: Message, state: FSMContext, session, resident, vault) -> None:
    await message.answer(views.greeting(message.from_user.first_name))
    if resident is None or resident.consent_at is None:
        await state.set_state(Vote.consent)
        text, markup = views.consent()
        await message.answer(text, reply_markup=markup)
        return
    await flow.show_polls(message, state, session, resident, vault)


async def consent(query: CallbackQuery, callback_data: ConsentCb, state: FSMContext, session,
                  resident, i18n: I18n, vault) -> None:
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    if not callback_data.agree:
        await state.clear()
        await query.message.answer(views.declined())
        return
    newcomer = resident is None
    resident = await ResidentDesk(session).consent(query.from_user.id, i18n.current_locale)
    # from now on the language is read from the dialogue's data, not the database
    await state.update_data(language=resident.language)
    # the language is settled here (chosen before, or Telegram's): the chat's menu speaks it too
    await set_chat_commands(query.bot, query.message.chat.id, resident.language)
    await flow.show_polls(query.message, state, session, resident, vault, newcomer=newcomer)


async def help_command(message: Message) -> None:
    await message.answer(views.help_text())


async def language_command(message: Message) -> None:
    text, markup = views.languages()
    await message.answer(text, reply_markup=markup)


async def language_chosen(query: CallbackQuery, callback_data: LanguageCb, state: FSMContext,
                          session, resident, i18n: I18n) -> None:
    await ResidentDesk(session).choose_language(resident, callback_data.code)
    await state.update_data(language=callback_data.code)
    menu_follows = await set_chat_commands(query.bot, query.message.chat.id, callback_data.code)
    with i18n.use_locale(callback_data.code):
        await query.answer()
        # the choice's own message says so, in the new language; the menu only if it did change
        await query.message.edit_text(language_views.language_chosen(menu_follows=menu_follows))


def create_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart(), flags={"resident": True})
    router.callback_query.register(consent, StateFilter(Vote.consent), ConsentCb.filter(),
                                   flags={"resident": True})
    router.message.register(help_command, Command("help"))
    router.message.register(language_command, Command("language"))
    router.callback_query.register(language_chosen, LanguageCb.filter(F.code.in_({"ru", "en"})),
                                   flags={"resident": True})
    return router
