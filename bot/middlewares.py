"""Per-update context: one database session, the resident, their poll and their language.

Most updates of the dialogue (the house, the answers, the review, the choice) need neither the
resident's row nor a query for the language: the language the resident chose travels in the FSM
data, and the resident is loaded only for handlers registered with `flags={"resident": True}`.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import pick_language
from bot.outages import is_outage
from services.polls import PollBoard
from storage.repositories import ResidentRepository

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
LANGUAGE = "language"  # the FSM data key of the resident's language
_FOUND = "resident_found_by_locale"  # the resident the locale middleware already had to load


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
        # The session ends with the update's handling. aiogram re-runs a failed update's data as an
        # `error` event after this returns; a closed session left in it would quietly begin a new
        # transaction on first use (on SQLite taking the write lock) that nothing ever ends.
        async with self._session_factory() as session:
            data["session"] = session
            try:
                return await handler(event, data)
            finally:
                del data["session"]


async def remember_language(state: FSMContext | None, language: str) -> None:
    """Keeps the resident's language in the FSM data, where the locale middleware looks first."""
    if state is not None and language:
        await state.update_data({LANGUAGE: language})


class ResidentContext(BaseMiddleware):
    """The resident behind the update (None before consent), for handlers flagged `resident`.

    An inner middleware: the handler is known here, so unflagged handlers cost no query. A handler
    that takes `resident` without the flag still gets it (so it cannot fail for want of an
    argument), with a warning naming it once.
    """

    def __init__(self) -> None:
        self._unflagged: set[str] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if get_flag(data, "resident") or self._wants_resident(data):
            if _FOUND in data:
                resident = data[_FOUND]
            else:
                user = data.get("event_from_user")
                resident = await ResidentRepository(data["session"]).by_telegram_id(user.id) if user else None
                i18n = data.get("i18n")
                # the FSM's copy of the language follows the database's
                if resident is not None and resident.language and (
                        i18n is None or resident.language != i18n.current_locale):
                    await remember_language(data.get("state"), resident.language)
            data["resident"] = resident
        return await handler(event, data)

    def _wants_resident(self, data: dict[str, Any]) -> bool:
        found = data.get("handler")
        if found is None or "resident" not in found.params:
            return False
        name = getattr(found.callback, "__qualname__", repr(found.callback))
        if name not in self._unflagged:
            self._unflagged.add(name)
            log.warning("handler %s takes `resident` but is not registered with "
                        "flags={'resident': True}", name)
        return True


class CurrentPoll(BaseMiddleware):
    """The poll the resident's dialogue is in (from the FSM data), for handlers that take `poll`.

    An inner middleware, as `ResidentContext`: read once per update, and only when asked for.
    None when the dialogue has no poll or the poll is gone.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        found = data.get("handler")
        if found is not None and "poll" in found.params:
            state: FSMContext | None = data.get("state")
            poll_id = (await state.get_data()).get("poll_id") if state is not None else None
            data["poll"] = await PollBoard(data["session"]).get(poll_id) if poll_id else None
        return await handler(event, data)


class ResidentLocale(I18nMiddleware):
    """The language the resident chose (kept in the FSM data; after it expired or a restart, read
    back from the database once), else the one chosen before consent, else Telegram's."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        state: FSMContext | None = data.get("state")
        if state is not None:
            try:
                chosen = (await state.get_data()).get(LANGUAGE)
            except Exception as error:
                if not is_outage(error):
                    raise
                # Redis went away mid-update: the failure's own event (`bot.errors`) must still
                # run, to put the update off, so the language comes from the database instead
                state, chosen = None, None
            if chosen:
                return chosen
        user = data.get("event_from_user")
        session = data.get("session")
        if user is not None and session is not None:
            resident = await ResidentRepository(session).by_telegram_id(user.id)
            data[_FOUND] = resident
            if resident is not None and resident.language:
                await remember_language(state, resident.language)
                return resident.language
        return pick_language(user.language_code if user else None, self.i18n.default_locale)
