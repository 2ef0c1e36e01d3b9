"""`python -m bot webhook`: the bot as one of N identical processes behind a load balancer.

* aiogram's `SimpleRequestHandler` with `handle_in_background=False`: each update is handled
  before Telegram is answered, so a process that dies mid-update leaves Telegram to deliver it
  again (`bot.once` makes the second delivery harmless); a delivery of an update another process
  is handling right now is answered 503, and Telegram tries again later.
* The secret token is required: a request without the right `X-Telegram-Bot-Api-Secret-Token`
  gets 401 and reaches no handler.
* Processes starting together register the webhook once: under a Redis lock, and only when what
  was registered (address, secret, update types, connections) differs from what is configured.
* `/healthz` answers while the process runs; `/readyz` only while the database and Redis answer;
  `/metrics` is for Prometheus (`bot.metrics`).
* On SIGTERM the listener stops taking requests and the updates in hand are finished first.
* The dispatcher's start-up hooks are not run: the commands menu is set with the registration,
  once, not by each of N processes.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import signal
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy import text

from bot.menu import set_commands
from bot.metrics import DatabaseFigures, metrics_handler
from bot.once import Delivery, current_delivery
from bot.ratelimit import bot_id_of
from bot.runners import Application
from bot.settings import Settings

log = logging.getLogger(__name__)
#: how long in-flight updates may take to finish once the process is told to stop
SHUTDOWN_GRACE = 30.0
REGISTRATION_LOCK_SECONDS = 30


class OnceRequestHandler(SimpleRequestHandler):
    """Answers 503 when the update is being handled by another process at this moment."""

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        delivery = Delivery()
        token = current_delivery.set(delivery)
        try:
            response = await super()._handle_request(bot, request)
        finally:
            current_delivery.reset(token)
        if delivery.busy:
            return web.Response(status=503, text="this update is being handled; try again later")
        if delivery.retry:
            return web.Response(status=503, text="Redis or the database did not answer; try again later")
        return response


def webhook_path(url: str) -> str:
    return urlsplit(url).path or "/"


def registration_fingerprint(settings: Settings, allowed_updates: list[str]) -> str:
    """What a registration is made of; the secret only as part of a digest."""
    return hashlib.sha256(json.dumps([
        settings.webhook_url, settings.webhook_secret.get_secret_value(), sorted(allowed_updates),
        settings.webhook_max_connections]).encode()).hexdigest()


async def register_webhook(bot: Bot, dispatcher: Dispatcher, settings: Settings, redis: Redis | None) -> bool:
    """Registers the webhook (and the commands menu) unless that is done already; True if it did.

    Telegram does not show the secret a webhook was set with, so whether the registration is
    current is kept in Redis; one process alone (no Redis) registers at every start.
    """
    allowed = dispatcher.resolve_used_update_types()
    fingerprint = registration_fingerprint(settings, allowed)

    async def register() -> None:
        await bot.set_webhook(settings.webhook_url, secret_token=settings.webhook_secret.get_secret_value(),
                              allowed_updates=allowed, max_connections=settings.webhook_max_connections,
                              drop_pending_updates=False)
        await set_commands(bot)

    if redis is None:
        await register()
        return True
    key = f"{settings.redis_prefix}:webhook:{bot_id_of(bot.token)}"
    async with redis.lock(f"{key}:lock", timeout=REGISTRATION_LOCK_SECONDS,
                          blocking_timeout=REGISTRATION_LOCK_SECONDS):
        if (await redis.get(key) or b"").decode() == fingerprint:
            info = await bot.get_webhook_info()
            if info.url == settings.webhook_url:
                return False
        await register()
        await redis.set(key, fingerprint)
    return True


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "alive"})


def _readiness(app: Application):
    async def readyz(request: web.Request) -> web.Response:
        failed: dict[str, str] = {}
        try:
            async with app.engine.connect() as connection:
                await asyncio.wait_for(connection.execute(text("SELECT 1")), 2.0)
        except Exception as error:  # whatever the driver raises, the answer is "not ready"
            failed["database"] = type(error).__name__
        if app.redis is not None:
            try:
                await asyncio.wait_for(app.redis.ping(), 2.0)
            except Exception as error:
                failed["redis"] = type(error).__name__
        if failed:
            return web.json_response({"status": "not ready", "failed": failed}, status=503)
        return web.json_response({"status": "ready"})
    return readyz


def webhook_app(app: Application, settings: Settings, **data: Any) -> web.Application:
    """The aiohttp application one process serves: the webhook path and the health checks."""
    web_app = web.Application()
    handler = OnceRequestHandler(dispatcher=app.dispatcher, bot=app.bot, handle_in_background=False,
                                 secret_token=settings.webhook_secret.get_secret_value(), **data)
    handler.register(web_app, path=webhook_path(settings.webhook_url))
    web_app.router.add_get("/healthz", _healthz)
    web_app.router.add_get("/readyz", _readiness(app))
    web_app.router.add_get("/metrics", metrics_handler(DatabaseFigures(app.session_factory)))
    return web_app


async def serve_webhook(app: Application, settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Serves until `stop` (or SIGINT/SIGTERM); then finishes the updates in hand."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    host, port = settings.webhook_host_port()
    runner = web.AppRunner(webhook_app(app, settings), shutdown_timeout=SHUTDOWN_GRACE,
                           handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        registered = await register_webhook(app.bot, app.dispatcher, settings, app.redis)
        log.info("webhook %s: listening on %s:%d (%s)", webhook_path(settings.webhook_url), host, port,
                 "registered" if registered else "already registered")
        await stop.wait()
        log.info("stopping: finishing the updates in hand")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await runner.cleanup()  # stops listening, then waits up to SHUTDOWN_GRACE for handlers
