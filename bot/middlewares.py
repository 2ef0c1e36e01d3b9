"""Per-update context: one database session, the resident, and the resident's language."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import pick_language
from storage.repositories import ResidentRepository

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DatabaseSession(BaseMiddleware):
    """Opens one session per update; handlers never create sessions themselves.

    SQLite has one write lock per file, taken at the start of every transaction, and its busy
    handler is not fair: under a burst some updates could wait past the busy timeout. In the
    embedded (one-process) mode updates therefore take turns on an asyncio lock, first come
    first served; PostgreSQL sessions run side by side.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        bind = session_factory.kw.get("bind")
        self._turns = asyncio.Lock() if bind is not None and bind.dialect.name == "sqlite" else None

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if self._turns is None:
            return await self._with_session(handler, event, data)
        async with self._turns:
            return await self._with_session(handler, event, data)

    async def _with_session(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self._session_factory() as session:
            data["session"] = session
            return await handler(event, data)


class ResidentContext(BaseMiddleware):
    """The resident behind the update, or None for someone who has not consented yet."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        data["resident"] = (
            await ResidentRepository(data["session"]).by_telegram_id(user.id) if user else None
        )
        return await handler(event, data)


class ResidentLocale(I18nMiddleware):
    """The resident's chosen language, else the one chosen before consent, else Telegram's."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        resident = data.get("resident")
        if resident is not None and resident.language:
            return resident.language
        state = data.get("state")
        if state is not None:
            chosen = (await state.get_data()).get("language")
            if chosen:
                return chosen
        user = data.get("event_from_user")
        return pick_language(user.language_code if user else None, self.i18n.default_locale)
