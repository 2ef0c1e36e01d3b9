"""`python -m bench.bare_webhook`: the load bench's baseline — a bare aiogram webhook bot doing what
any bot's update costs: the same HTTP path (aiohttp, handled before the answer), Redis state and
event isolation, one PostgreSQL query and one answer per update. Settings from the same variables
as the real bot (BOT_TOKEN, BOT_API_URL, DATABASE_URL, REDIS_URL, WEBHOOK_URL, WEBHOOK_SECRET,
WEBHOOK_LISTEN)."""
from __future__ import annotations

import asyncio
import os
import signal
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisEventIsolation, RedisStorage
from aiogram.types import CallbackQuery, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


def dispatcher(engine, redis: Redis) -> Dispatcher:
    storage = RedisStorage(redis, key_builder=DefaultKeyBuilder(prefix="bare", with_bot_id=True))
    found = Dispatcher(storage=storage, events_isolation=RedisEventIsolation(redis, storage.key_builder))
    router = Router(name="bare")

    async def touch(state: FSMContext) -> int:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        step = (await state.get_data()).get("step", 0) + 1
        await state.update_data(step=step)
        return step

    @router.message()
    async def on_message(message: Message, state: FSMContext) -> None:
        await message.answer(f"step {await touch(state)}")

    @router.callback_query()
    async def on_press(query: CallbackQuery, state: FSMContext) -> None:
        await query.answer(f"step {await touch(state)}")

    found.include_router(router)
    return found


async def main() -> None:
    env = os.environ
    engine = create_async_engine(env["DATABASE_URL"], pool_size=10)
    redis = Redis.from_url(env["REDIS_URL"])
    bot = Bot(env["BOT_TOKEN"], session=AiohttpSession(api=TelegramAPIServer.from_base(env["BOT_API_URL"])))
    app = web.Application()
    SimpleRequestHandler(dispatcher(engine, redis), bot, handle_in_background=False,
                         secret_token=env["WEBHOOK_SECRET"]).register(app, path=urlsplit(env["WEBHOOK_URL"]).path)
    app.router.add_get("/readyz", lambda request: web.json_response({"status": "ready"}))
    host, _, port = env["WEBHOOK_LISTEN"].rpartition(":")
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, int(port)).start()
    print("bare webhook listening", flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()
    await redis.aclose()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
