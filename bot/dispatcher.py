"""The one place that builds the Dispatcher: the bot on polling, the sandbox and the tests share it."""
from __future__ import annotations

from datetime import timedelta

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import DefaultKeyBuilder
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import handlers
from bot.errors import handle_errors
from bot.i18n import catalogues
from bot.isolation import BoundedRedisIsolation, HeldRedisStorage
from bot.limits import account_limits
from bot.metrics import HandlerMetrics
from bot.once import LocalUpdateLog, OncePerUpdate, UpdateLog
from bot.settings import Settings
from bot.middlewares import CurrentPoll, DatabaseSession, ResidentContext, ResidentLocale
from services.address_book import AddressBook
from services.staff import StaffDirectory
from services.statistics import DEFAULT_THRESHOLD
from storage.pii import PiiVault

# an unfinished dialogue is kept this long in Redis; its answers are sealed anyway
DIALOGUE_TTL = timedelta(days=2)


def create_fsm(redis: Redis | None, prefix: str = "fsm") -> tuple[BaseStorage, BaseEventIsolation]:
    """In-memory state by default; Redis state with expiry when Redis is configured."""
    if redis is None:
        return MemoryStorage(), SimpleEventIsolation()
    storage = HeldRedisStorage(
        redis,
        key_builder=DefaultKeyBuilder(prefix=prefix, with_bot_id=True, with_destiny=True),
        state_ttl=DIALOGUE_TTL,
        data_ttl=DIALOGUE_TTL,
    )
    return storage, BoundedRedisIsolation(redis, storage)


def create_dispatcher(
    *,
    session_factory: async_sessionmaker[AsyncSession],
    vault: PiiVault,
    address_book: AddressBook,
    default_locale: str = "ru",
    redis: Redis | None = None,
    fsm_prefix: str = "fsm",
    public_site_url: str = "",
    stats_threshold: int = DEFAULT_THRESHOLD,
    settings: Settings | None = None,
    update_log: UpdateLog | None = None,
) -> Dispatcher:
    """`public_site_url` (empty: no links) and `stats_threshold` reach the handlers that take them;
    so do `settings` (the information centre's contacts, claims' and announcements' limits) and
    `staff` (who holds which role, from `ADMIN_IDS` and the database). `update_log` keeps a
    redelivered update from acting twice (shared through Redis by several processes; this
    process's own by default)."""
    settings = settings or Settings()
    storage, isolation = create_fsm(redis, fsm_prefix)
    # events isolation: a double tap on "vote" is handled one tap after the other, never twice at once
    dispatcher = Dispatcher(
        storage=storage, events_isolation=isolation, vault=vault, address_book=address_book,
        public_site_url=public_site_url.rstrip("/"), stats_threshold=stats_threshold,
        settings=settings, staff=StaffDirectory(settings.admin_ids),
    )
    # first of ours: a redelivered update stops here, before a session or any effect. aiogram's
    # FSM middleware (which takes the resident's isolation lock) is moved behind it: a redelivery
    # of an update whose process was killed holding the lock would otherwise wait for that lock,
    # be answered "busy" and acknowledged — never handled — instead of 503 until the claim runs out
    dispatcher.update.outer_middleware.unregister(dispatcher.fsm)
    dispatcher.update.outer_middleware(OncePerUpdate(update_log or LocalUpdateLog()))
    dispatcher.update.outer_middleware(dispatcher.fsm)
    # next: an account over its limits is answered once or dropped, before any database work
    dispatcher.update.outer_middleware(account_limits(settings, redis, prefix=fsm_prefix))
    dispatcher.update.outer_middleware(DatabaseSession(session_factory))
    # inner: run once the handler is chosen; the resident is loaded only for handlers registered
    # with flags={"resident": True}, the dialogue's poll only for handlers that take `poll`
    for kind, observer in (("message", dispatcher.message), ("callback_query", dispatcher.callback_query)):
        observer.middleware(HandlerMetrics(kind))  # first, so that its time covers the others
        observer.middleware(ResidentContext())
        observer.middleware(CurrentPoll())
    ResidentLocale(catalogues(default_locale=default_locale)).setup(dispatcher)
    handle_errors(dispatcher)
    dispatcher.include_routers(*handlers.routers())
    return dispatcher
