"""The announcement rows' baseline: a bare aiogram sender with no limit of its own.

`python -m bench.bare_sender API_URL TOKEN FIRST_CHAT COUNT IN_FLIGHT` sends one message to each of
COUNT chats from FIRST_CHAT on, IN_FLIGHT requests at a time, as fast as the Bot API takes them:
what the sandbox on this machine can take from one sending process at all.
"""
from __future__ import annotations

import asyncio
import sys

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

TEXT = "<b>Собрание жильцов</b> в четверг, 19:00"


async def send_all(api_url: str, token: str, first: int, count: int, in_flight: int) -> None:
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    chats = iter(range(first, first + count))

    async def lane() -> None:
        for chat_id in chats:
            await bot.send_message(chat_id, TEXT, parse_mode="HTML", allow_paid_broadcast=True)

    try:
        await asyncio.gather(*(lane() for _ in range(in_flight)))
    finally:
        await bot.session.close()


if __name__ == "__main__":
    api_url, token, first, count, in_flight = sys.argv[1:6]
    asyncio.run(send_all(api_url, token, int(first), int(count), int(in_flight)))
