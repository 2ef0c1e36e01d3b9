"""Delivering updates to the bot's webhook as Telegram does: each chat's in order, several chats at once.

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


def _chat_of(update: dict) -> object:
    """Whose update it is: Telegram keeps each chat's updates in order, not the whole bot's."""
    for kind, body in update.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        chat = (body.get("chat") or (body.get("message") or {}).get("chat") or {}).get("id")
        return chat if chat is not None else (body.get("from") or {}).get("id", ("update", update["update_id"]))
    return ("update", update.get("update_id"))


class _Pusher:
    """Up to the webhook's `max_connections` requests at once, one per chat at a time, each chat's
    updates in order; a failed delivery is retried with growing pauses, holding its chat back."""

    def __init__(self, sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
        self.sandbox, self.http = sandbox, http
        self.in_flight: dict[int, asyncio.Task] = {}  # update id -> its delivery
        self.retry_at: dict[int, float] = {}
        self.delay = RETRY_FIRST

    def start_due(self, hook: Webhook) -> float:
        """Starts every delivery that may go now; the seconds until the next retry is due."""
        now, held, next_retry = time.monotonic(), set(), RETRY_LONGEST
        for update in list(self.sandbox.updates):
            if len(self.in_flight) >= hook.max_connections:
                break
            chat, update_id = _chat_of(update), update["update_id"]
            if chat in held:
                continue
            held.add(chat)  # this chat's later updates wait behind this one
            if update_id in self.in_flight:
                continue
            due = self.retry_at.get(update_id, 0.0)
            if due > now:
                next_retry = min(next_retry, due - now)
                continue
            self.in_flight[update_id] = asyncio.create_task(self.deliver(hook, update))
        return next_retry

    async def deliver(self, hook: Webhook, update: dict) -> None:
        update_id = update["update_id"]
        try:
            body = await _deliver(self.http, hook, update)
        except (aiohttp.ClientError, ConnectionError, TimeoutError) as error:
            hook.last_error_date = int(time.time())
            hook.last_error_message = str(error) or type(error).__name__
            self.retry_at[update_id] = time.monotonic() + self.delay
            self.delay = min(self.delay * 2, RETRY_LONGEST)
            return
        finally:
            self.in_flight.pop(update_id, None)
            self.sandbox.updates_arrived.fire()  # its chat's next update may go
        self.delay = RETRY_FIRST
        self.retry_at.pop(update_id, None)
        try:
            self.sandbox.updates.remove(update)
        except ValueError:  # dropped meanwhile (drop_pending_updates)
            pass
        await _answer_in_reply(self.sandbox, body)

    async def close(self) -> None:
        for task in self.in_flight.values():
            task.cancel()
        await asyncio.gather(*self.in_flight.values(), return_exceptions=True)


async def push_updates(sandbox: Sandbox) -> None:
    """Runs for the life of the server; idle while no webhook is set."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        pusher = _Pusher(sandbox, http)
        try:
            while not sandbox.closing.is_set():
                hook = sandbox.webhook
                if hook is None or not sandbox.updates:
                    await sandbox.updates_arrived.wait(1.0)
                    continue
                await sandbox.updates_arrived.wait(pusher.start_due(hook))
        finally:
            await pusher.close()


async def start_pusher(app: web.Application) -> None:
    app[PUSHER_KEY] = asyncio.create_task(push_updates(app[SANDBOX_KEY]))


async def stop_pusher(app: web.Application) -> None:
    task = app[PUSHER_KEY]
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass

