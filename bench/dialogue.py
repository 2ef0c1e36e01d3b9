"""The resident's vote dialogue: whole votes through the sandbox, and the dispatcher's own speed.

1. Complete votes through the sandbox: residents in waves, each doing the whole dialogue over
   HTTP (consent → address → house → seven answers → review → YES → confirm → receipt) against
   the real bot polling a SandboxServer, on a temporary SQLite database with the 4,543 houses.
2. Dialogue updates fed straight into the real Dispatcher (`feed_update`), the bot's Bot API calls
   answered in process, against a bare aiogram Dispatcher with the same FSM storage, events
   isolation and per-update database session (one trivial SELECT) fed the very same updates.
   Goal: the real dialogue keeps ≥ 0.6 of the bare handler's updates per second.
"""
from __future__ import annotations

import asyncio
import copy
import re
import secrets
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.methods import DeleteMessage, EditMessageReplyMarkup, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import CallbackQuery, Message, Update
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.table import Row
from bench.town import open_poll
from bench.typos import HOUSES_CSV
from bot.middlewares import DatabaseSession
from bot.runners import application
from sandbox.client import SandboxClient, SandboxUser, SeenMessage
from sandbox.runner import SandboxServer
from bot.settings import Settings, load_settings
from storage.database import create_engine, create_session_factory
from storage.house_import import migrated_with_houses
from storage.models import Ballot
from verification.validators.snils import format_snils, snils_control_number

TOKEN = "123456:BENCH-dialogue-token"
SANDBOX_VOTES, SANDBOX_WAVE = 40, 10
FED_RESIDENTS, FED_LANES, FED_ROUNDS = 60, 8, 3
WARM_UP = 3  # residents whose votes build the address indexes and warm caches, not counted
GOAL = 0.6

ADDRESS = "Кубинка 12 к3"
HOUSE = "улица Кубинка, дом 12, корпус 3"
AGREE, ALL_CORRECT, YES, SURE_YES = "✅ Даю согласие", "✅ Всё верно", "👍 ЗА", "Да, голосую ЗА"
RECEIPT = re.compile(r"(?:Квитанция|Receipt): (?:<code>)?([A-Z0-9]{10})")


def answers(number: int) -> list[str]:
    """What resident `number` types, field by field in the poll's order (identity 3, apartment 2):
    flat, full name, birth date, passport, SNILS, FLS, property document. No two residents share a
    passport, SNILS or payer number."""
    first_nine = f"{200000000 + number:09d}"
    return [str(number % 900 + 1), "Иванова Мария Петровна",
            f"{number % 28 + 1:02d}.0{number % 9 + 1}.19{50 + number % 40}",
            f"45 {10 + number % 12:02d} {100000 + number:06d}",
            format_snils(first_nine + snils_control_number(first_nine)), f"{1000000000 + number}",
            "77:01:0001013:4915"]


def _p99(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * 0.99))]


# ---- the database: migrated once, houses imported once, copied for each run -------------------

async def _template(folder: Path) -> Path:
    path = folder / "template.sqlite3"
    await migrated_with_houses(f"sqlite+aiosqlite:///{path}", HOUSES_CSV)
    return path


@asynccontextmanager
async def _poll_database(template: Path, name: str) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A copy of the template with one open all-houses poll; yields its URL and engine."""
    path = template.with_name(name)
    shutil.copy(template, path)
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    await open_poll(engine, days=30)
    try:
        yield url, engine
    finally:
        await engine.dispose()


async def _ballots(engine: AsyncEngine) -> int:
    async with create_session_factory(engine)() as session:
        return await session.scalar(select(func.count()).select_from(Ballot)) or 0


def _settings(url: str) -> Settings:
    return load_settings(database_url=url, redis_url="", pii_hmac_key=secrets.token_hex(32),
                         pii_encryption_key=secrets.token_hex(32))


# ---- 1. whole votes over HTTP through the sandbox ----------------------------------------------

def _has_button(fragment: str) -> Callable[[SeenMessage], bool]:
    return lambda message: any(fragment in label for row in message.buttons for label in row)


async def _press_when_shown(user: SandboxUser, fragment: str) -> None:
    """Under load the bot may still be writing the message: press once the button is there."""
    shown = await user.wait_for(_has_button(fragment))
    await user.press(next(t for row in shown.buttons for t in row if fragment in t))


async def _vote_over_http(user: SandboxUser, typed: list[str]) -> str:
    await user.send("/start")
    await _press_when_shown(user, AGREE)
    await user.wait_for(_has_button("✖"))  # the address prompt is on screen
    await user.send(ADDRESS)
    await _press_when_shown(user, HOUSE)
    for answer in typed:
        await user.send(answer)
    for button in (ALL_CORRECT, YES, SURE_YES):
        await _press_when_shown(user, button)
    receipt = await user.wait_for(lambda message: RECEIPT.search(message.text) is not None)
    return RECEIPT.search(receipt.text).group(1)


@asynccontextmanager
async def _polling(dispatcher: Dispatcher, bot: Bot, server: SandboxServer) -> AsyncIterator[None]:
    """The dispatcher polls the sandbox in the background for the block, then stops cleanly."""
    asked_since = time.monotonic()
    task = asyncio.create_task(dispatcher.start_polling(
        bot, handle_signals=False, close_bot_session=False, polling_timeout=5))
    while server.sandbox.last_poll_at < asked_since:  # running once its first getUpdates arrived
        if task.done():
            await task
            raise RuntimeError("polling ended before its first getUpdates")
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        if not task.done():
            await dispatcher.stop_polling()
        await task


async def _sandbox_row(template: Path) -> Row:
    async with _poll_database(template, "sandbox.sqlite3") as (url, engine), \
            SandboxServer(host="127.0.0.1", port=0) as server, \
            SandboxClient(server.page_url, timeout=30.0, settle=0.02) as client, \
            application(_settings(url), token=TOKEN, api_url=server.url, engine=engine) as app, \
            _polling(app.dispatcher, app.bot, server):
        for n in range(WARM_UP):
            await _vote_over_http(client.user(10 + n, "Житель"), answers(10_000 + n))
        latencies: list[float] = []
        codes: set[str] = set()
        spent = 0.0

        async def timed_vote(number: int) -> None:
            started = time.perf_counter()
            codes.add(await _vote_over_http(client.user(1000 + number, f"Житель {number}"), answers(number)))
            latencies.append((time.perf_counter() - started) * 1000)

        for first in range(0, SANDBOX_VOTES, SANDBOX_WAVE):
            started = time.perf_counter()
            await asyncio.gather(*(timed_vote(n) for n in range(first, min(first + SANDBOX_WAVE, SANDBOX_VOTES))))
            spent += time.perf_counter() - started
        ballots = await _ballots(engine) - WARM_UP
    return Row(f"complete votes through the sandbox (HTTP polling, SQLite, 4,543 houses, "
               f"waves of {SANDBOX_WAVE})", SANDBOX_VOTES, per_second=SANDBOX_VOTES / spent,
               p50_ms=statistics.median(latencies), p99_ms=_p99(latencies),
               accuracy=f"{len(codes)}/{SANDBOX_VOTES} receipts, {ballots} ballots stored")


# ---- 2. updates fed straight into the dispatcher ------------------------------------------------

class InProcessTelegram(BaseSession):
    """Telegram's side of the Bot API in memory: keeps each chat's messages so edits, deletions and
    buttons behave as on Telegram, and answers every call without a network."""

    BOT = {"id": 123456, "is_bot": True, "first_name": "Голосование", "username": "vote_bot"}

    def __init__(self) -> None:
        super().__init__()
        self.chats: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        self._ids: dict[int, count] = defaultdict(lambda: count(1))

    def write(self, chat_id: int, sender: dict[str, Any], text: str, markup: Any = None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._ids[chat_id]), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"}, "from": sender, "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self._set_markup(message, markup)
        self.chats[chat_id][message["message_id"]] = message
        return message

    def newest_with_button(self, chat_id: int, fragment: str) -> tuple[dict[str, Any], str]:
        """The newest bot message with a button containing `fragment`, and that button's data."""
        for message in reversed(self.chats[chat_id].values()):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if fragment in button["text"] and message["from"]["is_bot"]:
                        return message, button["callback_data"]
        texts = [m["text"][:80] for m in self.chats[chat_id].values()][-4:]
        raise RuntimeError(f"no button with {fragment!r} in chat {chat_id}; last messages: {texts}")

    @staticmethod
    def _set_markup(message: dict[str, Any], markup: Any) -> None:
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup.model_dump(exclude_none=True, mode="json")

    def _answer(self, method: TelegramMethod[Any]) -> dict[str, Any] | bool:
        if isinstance(method, SendMessage):
            return self.write(int(method.chat_id), self.BOT, method.text, method.reply_markup)
        if isinstance(method, (EditMessageText, EditMessageReplyMarkup, DeleteMessage)):
            message = self.chats[int(method.chat_id)].get(method.message_id)
            if message is None:
                raise TelegramBadRequest(method=method, message="Bad Request: message not found")
            if isinstance(method, DeleteMessage):
                del self.chats[int(method.chat_id)][method.message_id]
                return True
            if isinstance(method, EditMessageText):
                message["text"] = method.text
            self._set_markup(message, method.reply_markup)
            message["edit_date"] = int(time.time())
            return message
        if method.__returning__ is bool:  # answerCallbackQuery, sendChatAction, setMyCommands, ...
            return True
        raise TelegramBadRequest(method=method, message=f"{type(method).__name__} is not served here")

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        answer = self._answer(method)
        # the result is validated into aiogram's objects bound to the bot, as a real response is
        return Message.model_validate(answer, context={"bot": bot}) if isinstance(answer, dict) else answer

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,
                             chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        raise RuntimeError("the in-process Telegram keeps no files")
        yield b""

    async def close(self) -> None:
        return None


_UPDATE_IDS = count(1)


@dataclass
class Feed:
    """Feeds one dispatcher its updates, recording each update and how long it took."""

    dispatcher: Dispatcher
    bot: Bot
    telegram: InProcessTelegram
    latencies: list[float] = field(default_factory=list)
    recorded: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    async def update(self, user_id: int, body: dict[str, Any]) -> None:
        raw = {"update_id": next(_UPDATE_IDS), **body}
        self.recorded[user_id].append(raw)  # never changed later: pressed messages are copies
        await self.replay(raw)

    async def replay(self, raw: dict[str, Any]) -> None:
        update = Update.model_validate(raw, context={"bot": self.bot})
        started = time.perf_counter()
        await self.dispatcher.feed_update(self.bot, update)
        self.latencies.append((time.perf_counter() - started) * 1000)


async def _vote_fed(feed: Feed, user_id: int, typed: list[str]) -> str:
    """The same fourteen moves as over HTTP: /start, consent, address, house, seven answers,
    review, YES, confirm; returns the receipt code."""
    telegram = feed.telegram
    user = {"id": user_id, "is_bot": False, "first_name": "Житель", "language_code": "ru"}

    async def send(text: str) -> None:
        await feed.update(user_id, {"message": telegram.write(user_id, user, text)})

    async def press(fragment: str) -> None:
        message, data = telegram.newest_with_button(user_id, fragment)
        await feed.update(user_id, {"callback_query": {
            "id": secrets.token_hex(8), "from": user, "chat_instance": str(user_id),
            "message": copy.deepcopy(message), "data": data}})

    await send("/start")
    await press(AGREE)
    await send(ADDRESS)
    await press(HOUSE)
    for answer in typed:
        await send(answer)
    for button in (ALL_CORRECT, YES, SURE_YES):
        await press(button)
    last = list(telegram.chats[user_id].values())[-1]["text"]
    found = RECEIPT.search(last)
    if found is None:
        raise RuntimeError(f"resident {user_id} got no receipt; the bot's last words: {last[:200]!r}")
    return found.group(1)


async def _in_lanes(jobs: list[Callable[[], Awaitable[Any]]], lanes: int) -> tuple[float, list[Any]]:
    """Runs the jobs `lanes` at a time, as residents writing at once; returns seconds and results."""
    queue = list(enumerate(jobs))
    results: list[Any] = [None] * len(jobs)

    async def lane() -> None:
        while queue:
            at, job = queue.pop(0)
            results[at] = await job()

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(lanes)))
    return time.perf_counter() - started, results


def _bot(telegram: InProcessTelegram) -> Bot:
    return Bot(TOKEN, session=telegram, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@dataclass
class Measured:
    per_second: float
    latencies: list[float]
    updates: int
    receipts: int = 0
    ballots: int = 0


async def _real_dialogue(template: Path, name: str, first_user: int
                         ) -> tuple[Measured, dict[int, list[dict[str, Any]]]]:
    async with _poll_database(template, name) as (url, engine), \
            application(_settings(url), token=TOKEN, engine=engine) as app:
        telegram = InProcessTelegram()
        bot = _bot(telegram)
        warm = Feed(app.dispatcher, bot, telegram)
        for n in range(WARM_UP):
            await _vote_fed(warm, 10 + n, answers(10_000 + n))
        feed = Feed(app.dispatcher, bot, telegram)
        jobs = [lambda n=n: _vote_fed(feed, first_user + n, answers(n)) for n in range(FED_RESIDENTS)]
        spent, codes = await _in_lanes(jobs, FED_LANES)
        ballots = await _ballots(engine) - WARM_UP
    updates = len(feed.latencies)
    return Measured(updates / spent, feed.latencies, updates, len(set(codes)), ballots), feed.recorded


def _bare_dispatcher(engine: AsyncEngine) -> Dispatcher:
    """A bare aiogram bot with the dialogue's storage: MemoryStorage state, events isolation, one
    database session per update; each handler runs one SELECT, reads and sets state, answers."""
    dispatcher = Dispatcher(storage=MemoryStorage(), events_isolation=SimpleEventIsolation())
    dispatcher.update.outer_middleware(DatabaseSession(create_session_factory(engine)))
    router = Router(name="bare")

    async def touch(state: FSMContext, session) -> int:
        await session.execute(text("SELECT 1"))
        step = (await state.get_data()).get("step", 0) + 1
        await state.set_state(f"bare:{step % 3}")
        await state.update_data(step=step)
        return step

    @router.message()
    async def on_message(message: Message, state: FSMContext, session) -> None:
        await message.answer(f"step {await touch(state, session)}")

    @router.callback_query()
    async def on_press(query: CallbackQuery, state: FSMContext, session) -> None:
        step = await touch(state, session)
        await query.answer()
        await query.message.answer(f"step {step}")

    dispatcher.include_router(router)
    return dispatcher


async def _bare(template: Path, name: str, recorded: dict[int, list[dict[str, Any]]]) -> Measured:
    async with _poll_database(template, name) as (_, engine):
        dispatcher = _bare_dispatcher(engine)
        telegram = InProcessTelegram()
        bot = _bot(telegram)
        feed = Feed(dispatcher, bot, telegram)
        for raw in next(iter(recorded.values()))[:WARM_UP * 5]:  # warm the engine and caches
            await feed.replay(copy.deepcopy(raw))
        feed.latencies.clear()

        async def replay(updates: list[dict[str, Any]]) -> None:
            for raw in updates:
                await feed.replay(raw)

        jobs = [lambda u=u: replay(u) for u in recorded.values()]
        spent, _ = await _in_lanes(jobs, FED_LANES)
    updates = len(feed.latencies)
    return Measured(updates / spent, feed.latencies, updates)


async def _dispatcher_rows(template: Path) -> list[Row]:
    """Real and bare runs alternate; each side's best round counts, so a burst of other work on
    the machine hurts neither side alone."""
    reals: list[Measured] = []
    bares: list[Measured] = []
    for round_ in range(FED_ROUNDS):
        real, recorded = await _real_dialogue(template, f"real{round_}.sqlite3", 100_000 + 1000 * round_)
        reals.append(real)
        bares.append(await _bare(template, f"bare{round_}.sqlite3", copy.deepcopy(recorded)))
    real = max(reals, key=lambda m: m.per_second)
    bare = max(bares, key=lambda m: m.per_second)
    ratio = real.per_second / bare.per_second
    verdict = "met" if ratio >= GOAL else "NOT met"
    residents = f"{FED_RESIDENTS} residents × 14 updates, {FED_LANES} at once, best of {FED_ROUNDS}"
    return [
        Row(f"dialogue updates (real handlers, feed_update, SQLite + MemoryStorage; {residents})",
            real.updates, per_second=real.per_second, p50_ms=statistics.median(real.latencies),
            p99_ms=_p99(real.latencies),
            accuracy=f"{real.receipts}/{FED_RESIDENTS} receipts, {real.ballots} ballots stored",
            baseline=f"bare handler {bare.per_second:,.0f}/s; ×{ratio:.2f} of bare, goal ≥ ×{GOAL}: {verdict}",
            ratio=ratio),
        Row("bare aiogram handler, same storage (MemoryStorage, session + SELECT 1 per update, "
            "same updates)", bare.updates, per_second=bare.per_second,
            p50_ms=statistics.median(bare.latencies), p99_ms=_p99(bare.latencies)),
    ]


async def rows() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-dialogue-") as folder:
        template = await _template(Path(folder))
        sandbox = await _sandbox_row(template)
        return [sandbox, *await _dispatcher_rows(template)]
