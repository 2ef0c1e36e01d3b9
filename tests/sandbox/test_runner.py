"""run_sandbox: the server and the bot in one process, stopped cleanly together."""
from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from sandbox.client import SandboxClient
from sandbox.runner import run_sandbox
from tests.plugins.sandbox import demo_dispatcher, sandbox_bot_for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_the_bot_answers_through_the_running_sandbox_and_cancellation_stops_both() -> None:
    ready: asyncio.Queue[str] = asyncio.Queue()
    bot_stopped = asyncio.Event()

    async def start_bot(api_url: str) -> None:
        bot = sandbox_bot_for(api_url)
        try:
            await demo_dispatcher().start_polling(bot, handle_signals=False, polling_timeout=5)
        finally:
            bot_stopped.set()

    port = free_port()
    running = asyncio.create_task(run_sandbox(host="127.0.0.1", port=port, start_bot=start_bot,
                                              on_ready=ready.put_nowait))
    page = await asyncio.wait_for(ready.get(), 10)
    assert page.startswith(f"http://127.0.0.1:{port}/?token=")
    async with SandboxClient(page) as client:
        assert {u["first_name"] for u in await client.users()} == {"Анна", "John"}  # demo people
        answer = await client.user(1001, "Анна").send("/start")
        assert answer.buttons == [["Да", "Нет"]]
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert bot_stopped.is_set()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as http:
            await http.get(page)


async def test_when_the_bot_stops_the_sandbox_stops_too() -> None:
    async def start_bot(api_url: str) -> None:
        bot = sandbox_bot_for(api_url)
        async with bot.session:
            assert (await bot.get_me()).username == "house_vote_sandbox_bot"

    await asyncio.wait_for(run_sandbox(host="127.0.0.1", port=free_port(), start_bot=start_bot,
                                       on_ready=lambda url: None), 10)


async def test_an_error_in_the_bot_is_raised_after_the_server_stops() -> None:
    async def start_bot(api_url: str) -> None:
        raise RuntimeError("database is missing")

    with pytest.raises(RuntimeError, match="database is missing"):
        await asyncio.wait_for(run_sandbox(host="127.0.0.1", port=free_port(), start_bot=start_bot,
                                           on_ready=lambda url: None), 10)
