"""The Bot client every process uses, and how it treats Telegram's answers that need no action."""
from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramServerError
from aiogram.methods import (
    AnswerCallbackQuery, EditMessageCaption, EditMessageReplyMarkup, EditMessageText, Response, TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import User

from bot.metrics import ApiCallMetrics
from bot.settings import TELEGRAM_API_URL

log = logging.getLogger(__name__)
LATE_ANSWER = ("query is too old", "query id is invalid")
FIRST_RETRY, LONGEST_RETRY = 1.0, 60.0


class KeptResponseTypes(BaseRequestMiddleware):
    """pydantic keeps a generic model such as `Response[Message]` only while something else refers
    to it (its cache holds weak references), and aiogram's session asks for
    `Response[method.__returning__]` at every call: after each garbage collection the class was
    built anew, about a millisecond, which was an eighth of a bot process's time under load.
    Holding each one met keeps it built once per process."""

    def __init__(self) -> None:
        self._kept: dict[object, type] = {}

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._kept:
            self._kept[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)


class LateCallbackAnswers(BaseRequestMiddleware):
    """Answering a press only stops the button's spinner; Telegram refuses the answer once the
    press is some seconds old (after a restart, a slow moment). The press itself is still handled,
    so that refusal is one log line, not a failed update."""

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            if not isinstance(method, AnswerCallbackQuery) or not any(
                    text in error.message.lower() for text in LATE_ANSWER):
                raise
            log.info("a callback query was answered too late: %s", error.message)
            return Response[bool](ok=True, result=True)  # type: ignore[return-value]


class UnchangedEdits(BaseRequestMiddleware):
    """Edits whose purpose already holds are taken as done, so the handler goes on instead of
    failing the update: an edit into what the message already shows ("message is not modified"),
    and taking the buttons off a message that is gone ("message to edit not found") — both from a
    second tap on a button, or a late one, whose first already made the change or cleared the
    message from the chat. An edit of a gone message's text still fails: what it says is lost."""

    EDITS = (EditMessageText, EditMessageReplyMarkup, EditMessageCaption)

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            said = error.message.lower()
            unchanged = isinstance(method, self.EDITS) and "message is not modified" in said
            gone = isinstance(method, EditMessageReplyMarkup) and "message to edit not found" in said
            if not (unchanged or gone):
                raise
            return Response[bool](ok=True, result=True)  # type: ignore[return-value]


def create_bot(token: str, api_url: str = TELEGRAM_API_URL) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url != TELEGRAM_API_URL \
        else AiohttpSession()
    session.middleware(KeptResponseTypes())
    session.middleware(ApiCallMetrics())
    session.middleware(LateCallbackAnswers())
    session.middleware(UnchangedEdits())
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


class BotApiUnreachable(Exception):
    """The Bot API did not answer within the time the caller was willing to wait; one line why."""


async def wait_for_bot_api(bot: Bot, api_url: str, stop: asyncio.Event | None = None,
                           patience: float | None = None) -> User | None:
    """The bot's own user once the Bot API answers; until then one line per try, backing off.

    A bad token is not waited for: TelegramUnauthorizedError goes to the caller. None when
    `stop` is set first. With `patience` (seconds), BotApiUnreachable once that much has passed
    without an answer, so a start-up against a wrong address ends instead of waiting for ever.
    """
    loop = asyncio.get_running_loop()
    deadline = None if patience is None else loop.time() + patience
    pause = FIRST_RETRY
    while stop is None or not stop.is_set():
        try:
            return await bot.me()
        except (TelegramNetworkError, TelegramServerError) as error:
            reason = error.message.splitlines()[0] if error.message else type(error).__name__
            if deadline is not None and loop.time() + pause > deadline:
                raise BotApiUnreachable(f"the Bot API at {api_url} does not answer ({reason}); "
                                        "check BOT_API_URL and the network") from None
            log.warning("the Bot API at %s does not answer (%s); trying again in %.0f s",
                        api_url, reason, pause)
        try:
            await asyncio.wait_for((stop or asyncio.Event()).wait(), pause)
        except TimeoutError:
            pass
        pause = min(pause * 2, LONGEST_RETRY)
    return None
