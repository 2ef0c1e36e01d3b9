"""The Telegram sandbox for tests: a running server on a free loopback port, an unmodified aiogram Bot
pointed at it, the user-side client, and a small demo bot to play against."""
from __future__ import annotations

import asyncio
import struct
import time
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BotCommand, BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton,
    Message, ReplyKeyboardMarkup, ReplyKeyboardRemove,
)

from sandbox.client import SandboxClient
from sandbox.runner import SandboxServer

SANDBOX_TOKEN = "123456:SANDBOX-test-token"
def png(width: int, height: int, rgb: tuple[int, int, int] = (70, 130, 180)) -> bytes:
    """A valid one-colour PNG, so photos pass the sandbox's image checks and render in the browser."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def sandbox_bot_for(url: str, token: str = SANDBOX_TOKEN) -> Bot:
    """An unmodified aiogram Bot whose session talks to the sandbox instead of api.telegram.org."""
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))


@pytest.fixture
async def sandbox_server() -> AsyncIterator[SandboxServer]:
    async with SandboxServer(host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
async def sandbox_bot(sandbox_server: SandboxServer) -> AsyncIterator[Bot]:
    bot = sandbox_bot_for(sandbox_server.url)
    yield bot
    await bot.session.close()


@pytest.fixture
async def sandbox_client(sandbox_server: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox_server.page_url, timeout=10.0) as client:
        yield client


@asynccontextmanager
async def bot_polling(dispatcher: Dispatcher, bot: Bot, server: SandboxServer) -> AsyncIterator[asyncio.Task]:
    """Runs the dispatcher's polling in the background for the block, then stops it cleanly."""
    asked_since = time.monotonic()
    task = asyncio.create_task(dispatcher.start_polling(
        bot, handle_signals=False, close_bot_session=False, polling_timeout=5))
    # running for sure once its first getUpdates reached the sandbox
    while server.sandbox.last_poll_at < asked_since:
        if task.done():
            await task
            raise RuntimeError("polling ended before its first getUpdates")
        await asyncio.sleep(0.01)
    try:
        yield task
    finally:
        if not task.done():
            await dispatcher.stop_polling()
        await task


@pytest.fixture
async def demo_bot(sandbox_server: SandboxServer, sandbox_bot: Bot) -> AsyncIterator[Bot]:
    """The demo bot polling the sandbox for the whole test."""
    async with bot_polling(demo_dispatcher(), sandbox_bot, sandbox_server):
        yield sandbox_bot


def _says(message: Message | CallbackQuery, ru: str, en: str) -> str:
    return en if (message.from_user and message.from_user.language_code == "en") else ru


def demo_dispatcher() -> Dispatcher:
    """A small bot touching every sandbox feature: keyboards, edits, toasts, files, deletions."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        name = message.from_user.first_name if message.from_user else ""
        await message.answer(
            _says(message, f"Здравствуйте, <b>{name}</b>! Голосуем?", f"Hello, <b>{name}</b>! Shall we vote?"),
            parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
                InlineKeyboardButton(text=_says(message, "Да", "Yes"), callback_data="vote:yes"),
                InlineKeyboardButton(text=_says(message, "Нет", "No"), callback_data="vote:no"),
            ]]),
        )

    @router.callback_query(F.data.startswith("vote:"))
    async def vote(query: CallbackQuery) -> None:
        choice = {"vote:yes": _says(query, "Да", "Yes"), "vote:no": _says(query, "Нет", "No")}[query.data]
        await query.answer(_says(query, "Голос принят", "Vote accepted"))
        await query.message.edit_text(_says(query, f"Ваш голос: {choice}", f"Your vote: {choice}"))

    @router.message(Command("slow"))
    async def slow(message: Message) -> None:
        await message.answer("Сохранить?", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text="Сохранить", callback_data="slow")]]))

    @router.callback_query(F.data == "slow")
    async def slow_save(query: CallbackQuery) -> None:
        # the buttons go at once (no second press), the answer after some slow work
        await query.message.edit_reply_markup(reply_markup=None)
        await asyncio.sleep(0.5)
        await query.message.answer("Сохранено")
        await query.answer()

    @router.message(Command("slow_secret"))
    async def slow_secret(message: Message) -> None:
        await message.delete()  # first, as a bot does with personal data, then the slow work
        await asyncio.sleep(0.5)
        await message.answer("Принято")

    @router.message(Command("menu"))
    async def menu(message: Message) -> None:
        await message.answer("Выберите действие", reply_markup=ReplyKeyboardMarkup(keyboard=[
            [KeyboardButton(text="Помощь")],
            [KeyboardButton(text="Поделиться номером", request_contact=True)],
        ], resize_keyboard=True, input_field_placeholder="Действие"))

    @router.message(F.text == "Помощь")
    async def help_(message: Message) -> None:
        await message.answer("Это песочница", reply_markup=ReplyKeyboardRemove())

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        await message.answer(f"Телефон: {message.contact.phone_number}")

    @router.message(Command("secret"))
    async def secret(message: Message) -> None:
        await message.answer("Принято, сообщение с данными удалено")
        await message.delete()

    @router.message(Command("later"))
    async def later(message: Message) -> None:
        await message.answer("Проверяем…")

        async def notify() -> None:
            await asyncio.sleep(0.3)
            await message.answer("Голос засчитан")
        asyncio.get_running_loop().create_task(notify())

    @router.message(Command("silent"))
    async def silent(message: Message) -> None:
        return None

    @router.message(F.photo)
    async def photo(message: Message) -> None:
        await message.answer_photo(message.photo[-1].file_id, caption="Фото получено")

    @router.message(F.document)
    async def document(message: Message) -> None:
        data = await message.bot.download(message.document.file_id)
        await message.answer_document(
            BufferedInputFile(data.read()[::-1], filename="reversed-" + message.document.file_name),
            caption="Файл наоборот")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(_says(message, f"Вы написали: {message.text}", f"You wrote: {message.text}"))

    dispatcher = Dispatcher()
    dispatcher.include_router(router)

    @dispatcher.startup()
    async def commands(bot: Bot) -> None:
        await bot.set_my_commands([BotCommand(command="start", description="Начать"),
                                   BotCommand(command="menu", description="Меню")])
        await bot.set_my_commands([BotCommand(command="start", description="Start"),
                                   BotCommand(command="menu", description="Menu")], language_code="en")

    return dispatcher
