"""Delivering updates to the bot's webhook, one at a time and in order, as Telegram does.

A 2xx answer confirms the update; a body naming a method ({"method": "sendMessage", ...}) is
carried out as if the bot had called it. Failures are kept for getWebhookInfo and retried.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time

import aiohttp
from aiohttp import web

from sandbox.bot_api import SANDBOX_KEY, execute
from sandbox.registry import Params
from sandbox.errors import ApiError
from sandbox.state import Sandbox, Webhook

log = logging.getLogger(__name__)
RETRY_FIRST, RETRY_LONGEST = 0.5, 5.0
PUSHER_KEY = web.AppKey("webhook_pusher", asyncio.Task)


async def _answer_in_reply(sandbox: Sandbox, body: bytes) -> None:
    try:
        reply = json.loads(body) if body.strip() else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return
    if isinstance(reply, dict) and isinstance(reply.get("method"), str):
        params = {k: v for k, v in reply.items() if k != "method"}
        try:
            await execute(sandbox, reply["method"], Params(params))
        except ApiError as error:  # Telegram drops failed replies silently; the log helps the developer
            log.warning("sandbox: webhook reply %s failed: %s", reply["method"], error.description)


async def _deliver(http: aiohttp.ClientSession, hook: Webhook, update: dict) -> bytes:
    headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if hook.secret_token else {}
    async with http.post(hook.url, json=update, headers=headers) as response:
        body = await response.read()
        if not 200 <= response.status < 300:
            raise ConnectionError(f"Wrong response from the webhook: {response.status} {response.reason}")
        return body


async def push_updates(sandbox: Sandbox) -> None:
    """Runs for the life of the server; idle while no webhook is set."""
    delay = RETRY_FIRST
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        while not sandbox.closing.is_set():
            hook = sandbox.webhook
            if hook is None or not sandbox.updates:
                await sandbox.updates_arrived.wait(1.0)
                continue
            update = sandbox.updates[0]
            try:
                body = await _deliver(http, hook, update)
            except (aiohttp.ClientError, ConnectionError, TimeoutError) as error:
                hook.last_error_date = int(time.time())
                hook.last_error_message = str(error) or type(error).__name__
                await sandbox.updates_arrived.wait(delay)
                delay = min(delay * 2, RETRY_LONGEST)
                continue
            delay = RETRY_FIRST
            if sandbox.updates and sandbox.updates[0] is update:
                sandbox.updates.popleft()
            await _answer_in_reply(sandbox, body)


async def start_pusher(app: web.Application) -> None:
    app[PUSHER_KEY] = asyncio.create_task(push_updates(app[SANDBOX_KEY]))


async def stop_pusher(app: web.Application) -> None:
    task = app[PUSHER_KEY]
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass

