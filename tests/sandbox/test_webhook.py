"""Webhook mode: the sandbox pushes updates to the bot's URL, as Telegram does."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramConflictError
from aiohttp import web

from sandbox.client import SandboxClient


class Receiver:
    """A loopback webhook endpoint that records what arrives and answers what it is told to."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[tuple[dict, str | None]] = asyncio.Queue()
        self.reply: dict | None = None
        self.status = 200
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        await self.received.put((await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        if self.status != 200:
            return web.Response(status=self.status)
        return web.json_response(self.reply or {})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield hook
    await runner.cleanup()


async def test_updates_are_pushed_with_the_secret_and_polling_conflicts(
        sandbox_bot: Bot, sandbox_client: SandboxClient, receiver: Receiver) -> None:
    assert await sandbox_bot.set_webhook(receiver.url, secret_token="s3cret")
    info = await sandbox_bot.get_webhook_info()
    assert info.url == receiver.url
    user = sandbox_client.user(601, "Пётр")
    await user.send("/start", wait=False)
    update, secret = await asyncio.wait_for(receiver.received.get(), 10)
    assert update["message"]["text"] == "/start" and secret == "s3cret"
    with pytest.raises(TelegramConflictError):
        await sandbox_bot.get_updates()


async def test_a_method_in_the_webhook_answer_is_carried_out(
        sandbox_bot: Bot, sandbox_client: SandboxClient, receiver: Receiver) -> None:
    user = sandbox_client.user(602, "Ольга")
    receiver.reply = {"method": "sendMessage", "chat_id": 602, "text": "Ответ из вебхука"}
    await sandbox_bot.set_webhook(receiver.url)
    answer = await user.send("привет")
    assert answer.text == "Ответ из вебхука"


async def test_failed_deliveries_are_reported_and_retried(
        sandbox_bot: Bot, sandbox_client: SandboxClient, receiver: Receiver) -> None:
    receiver.status = 500
    await sandbox_bot.set_webhook(receiver.url)
    await sandbox_client.user(603, "Игорь").send("раз", wait=False)
    first, _ = await asyncio.wait_for(receiver.received.get(), 10)
    receiver.status = 200
    again, _ = await asyncio.wait_for(receiver.received.get(), 10)
    assert again["update_id"] == first["update_id"]
    info = await sandbox_bot.get_webhook_info()
    assert "500" in info.last_error_message
    for _ in range(100):  # the confirmation lands right after the successful answer
        if (await sandbox_bot.get_webhook_info()).pending_update_count == 0:
            break
        await asyncio.sleep(0.02)
    assert (await sandbox_bot.get_webhook_info()).pending_update_count == 0


async def test_delete_webhook_returns_to_polling(
        sandbox_bot: Bot, sandbox_client: SandboxClient, receiver: Receiver) -> None:
    receiver.status = 500  # nothing gets confirmed while the hook fails
    await sandbox_bot.set_webhook(receiver.url)
    await sandbox_client.user(604, "Нина").send("пока", wait=False)
    await asyncio.wait_for(receiver.received.get(), 10)
    assert await sandbox_bot.delete_webhook()
    assert (await sandbox_bot.get_webhook_info()).url == ""
    updates = await sandbox_bot.get_updates(timeout=0)
    assert [u.message.text for u in updates] == ["пока"]
    assert updates[0].message.chat.id == 604
