"""Runners: the bot on long polling, against Telegram or any Bot API server (the sandbox too)."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import lean_types
from bot.dispatcher import create_dispatcher
from bot.keys import vault_of
from bot.menu import set_commands
from bot.once import create_update_log
from bot.ratelimit import bot_id_of
from bot.settings import Settings
from bot.telegram import create_bot, wait_for_bot_api
from services.address_book import AddressBook
from storage.database import create_engine, create_session_factory
from storage.pii import PiiVault
from storage.repositories import HouseRepository
from verification.address import HouseEntry

log = logging.getLogger(__name__)


async def houses_of_poll(session: AsyncSession, poll_id: int) -> list[HouseEntry]:
    """The entries of a poll's address index; poll id 0 means every known house."""
    houses = HouseRepository(session)
    rows = await (houses.for_poll(poll_id) if poll_id else houses.all())
    return [HouseEntry(h.id, h.address, h.district or "") for h in rows]


@dataclass
class Application:
    """Everything one bot process holds: database, optional Redis, bot and dispatcher."""

    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    vault: PiiVault
    bot: Bot
    dispatcher: Dispatcher
    redis: Redis | None


@asynccontextmanager
async def application(settings: Settings, *, token: str | None = None, api_url: str | None = None,
                      engine: AsyncEngine | None = None, fsm_prefix: str | None = None,
                      menu: bool = True) -> AsyncIterator[Application]:
    """Builds the process's parts; an `engine` given by the caller stays the caller's to dispose.
    `menu`: the dispatcher's start-up sets the commands menu (webhook processes set it once, with
    the registration)."""
    lean_types.warm_up()
    own_engine = engine is None
    engine = engine or create_engine(settings.database_url, **settings.engine_options())
    session_factory = create_session_factory(engine)
    vault = vault_of(settings)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    bot = create_bot(token or settings.bot_token.get_secret_value(), api_url or settings.bot_api_url)
    prefix = fsm_prefix or settings.redis_prefix
    dispatcher = create_dispatcher(
        session_factory=session_factory, vault=vault, address_book=AddressBook(houses_of_poll),
        default_locale=settings.default_locale, redis=redis, fsm_prefix=prefix,
        public_site_url=settings.public_site_url, stats_threshold=settings.stats_threshold, settings=settings,
        update_log=create_update_log(redis, prefix=prefix, bot_id=bot_id_of(bot.token)),
    )
    if menu:
        dispatcher.startup.register(set_commands)
    try:
        yield Application(engine, session_factory, vault, bot, dispatcher, redis)
    finally:
        await bot.session.close()
        await dispatcher.storage.close()
        if redis is not None:
            await redis.aclose()
        if own_engine:
            await engine.dispose()


async def run_polling(settings: Settings, *, token: str | None = None, api_url: str | None = None) -> None:
    async with application(settings, token=token, api_url=api_url) as app:
        await wait_for_bot_api(app.bot, api_url or settings.bot_api_url)
        log.info("bot is polling %s", api_url or settings.bot_api_url)
        await app.dispatcher.start_polling(app.bot, handle_signals=False)


@asynccontextmanager
async def verification_running(app: Application, *, idle_sleep: float = 0.5) -> AsyncIterator[None]:
    """The verifier (over the local registry tables), the notice sender and the broadcaster beside
    the bot; the last two share one sending rate."""
    from bot.ratelimit import create_limiter
    from bot.worker.broadcaster import run_broadcaster
    from bot.worker.notices import run_notices
    from bot.worker.verifier import run_verifier
    from storage.registry_tables import RegistryTables

    stop = asyncio.Event()
    registries = RegistryTables(app.session_factory, app.vault)
    settings: Settings = app.dispatcher["settings"]
    limiter = create_limiter(app.redis, prefix=settings.redis_prefix, token=app.bot.token)
    workers = [
        asyncio.create_task(run_verifier(session_factory=app.session_factory, vault=app.vault,
                                         registries=registries, stop=stop, idle_sleep=idle_sleep)),
        asyncio.create_task(run_notices(session_factory=app.session_factory, bot=app.bot, stop=stop,
                                        idle_sleep=idle_sleep, limiter=limiter)),
        asyncio.create_task(run_broadcaster(session_factory=app.session_factory, bot=app.bot, stop=stop,
                                            limiter=limiter, idle_sleep=idle_sleep)),
    ]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*workers, return_exceptions=True)


async def run_with_workers(settings: Settings, *, token: str | None = None, api_url: str | None = None) -> None:
    """The bot, the verifier and the notice sender in one process, as the sandbox runs them.

    The registries are the local tables; production runs `python -m bot worker` separately.
    """
    async with application(settings, token=token, api_url=api_url) as app, verification_running(app):
        await wait_for_bot_api(app.bot, api_url or settings.bot_api_url)
        log.info("bot, verifier and notices are running against %s", api_url or settings.bot_api_url)
        await app.dispatcher.start_polling(app.bot, handle_signals=False)
