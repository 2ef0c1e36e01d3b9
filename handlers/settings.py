"""/settings: a resident's choices (announcements on or off)."""
from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from handlers import announce_views as views
from handlers.announce_views import SettingsCb
from services.broadcasts import Announcements


async def settings_command(message: Message, session, resident) -> None:
    if resident is None or resident.consent_at is None:
        await message.answer(views.settings_need_consent())
        return
    text, markup = views.settings_screen(resident.announcements)
    await message.answer(text, reply_markup=markup)


async def announcements_switched(query: CallbackQuery, callback_data: SettingsCb, session, resident) -> None:
    if resident is None or resident.consent_at is None:
        await query.answer(views.settings_need_consent(), show_alert=True)
        return
    await Announcements(session).set_announcements(query.from_user.id, callback_data.announcements)
    await query.answer()
    text, markup = views.settings_screen(callback_data.announcements)
    await query.message.edit_text(text, reply_markup=markup)


def create_router() -> Router:
    router = Router(name="settings")
    router.message.register(settings_command, Command("settings"), flags={"resident": True})
    router.callback_query.register(announcements_switched, SettingsCb.filter(), flags={"resident": True})
    return router
