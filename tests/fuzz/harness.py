"""The real bot polling a sandbox on an event loop the test owns, so that sync hypothesis rules can
drive it step by step, and what a step is judged by: how each update ended, the log, the Bot API calls.

The loop runs only while a step runs (`FuzzStand.run`): between steps nothing moves, so what a
step observes is exactly what its own updates caused.
"""
from __future__ import annotations

import asyncio
from collections import Counter
import itertools
import logging
import shutil
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from aiogram import Dispatcher
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import Update

from sandbox.state import Chat, Sandbox
from tests.plugins.dialogue import Person, VotingStand, valid_snils, voting_stand

T = TypeVar("T")
STEP_TIMEOUT = 30.0  # a liveness bound for one step: a stuck bot answers nobody, however long one waits
UPDATE_TIMEOUT = 15.0
SANDBOX_LOGGER = "sandbox.bot_api"  # logs each refused Bot API call with Telegram's description
#: loggers whose INFO lines the properties read: the sandbox's refusals, the bot's limit hits
INFO_LOGGERS = (SANDBOX_LOGGER, "bot.limits")


@dataclass(frozen=True)
class Outcome:
    """How the dispatcher finished one update."""

    handled: bool
    error: BaseException | None = None


def update_key(update: Update) -> tuple:
    """What identifies an update from the person's side: the message in its chat, or the press."""
    if update.callback_query is not None:
        return ("callback_query", update.callback_query.id)
    for kind in ("message", "edited_message"):
        message = getattr(update, kind)
        if message is not None:
            return (kind, message.chat.id, message.message_id)
    return ("update", update.update_id)


class UpdateObserver:
    """Wraps the dispatcher's `feed_update` (which polling calls once per update) to learn when
    each update is done, whether a handler took it, and whether anything escaped the dispatcher.
    It only watches: the update goes through the dispatcher unchanged."""

    def __init__(self) -> None:
        self.outcomes: dict[tuple, Outcome] = {}
        self._finished = asyncio.Event()

    def install(self, dispatcher: Dispatcher) -> None:
        original = dispatcher.feed_update

        async def feed_update(bot, update: Update, **kwargs: Any) -> Any:
            key = update_key(update)
            try:
                result = await original(bot, update, **kwargs)
            except BaseException as error:
                self._finish(key, Outcome(handled=False, error=error))
                raise
            self._finish(key, Outcome(handled=result is not UNHANDLED))
            return result

        dispatcher.feed_update = feed_update  # type: ignore[method-assign]

    def _finish(self, key: tuple, outcome: Outcome) -> None:
        self.outcomes[key] = outcome
        self._finished.set()

    async def wait(self, key: tuple, timeout: float = UPDATE_TIMEOUT) -> Outcome | None:
        """The update's outcome once the dispatcher is done with it; None if it never finished."""
        deadline = asyncio.get_running_loop().time() + timeout
        while key not in self.outcomes:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return None
            self._finished.clear()
            try:
                await asyncio.wait_for(self._finished.wait(), remaining)
            except TimeoutError:
                return None
        return self.outcomes[key]


class VirtualClock:
    """Time as the bot's rate limiter reads it, moved on by the test alone: limits hit by a run
    depend on its steps, not on how fast the machine runs them, so a run replays exactly."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class LogCapture(logging.Handler):
    """Every record of the process, from any thread, in order; each stamped with the virtual time
    of the step that logged it (`virtual_at`)."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.clock = clock

    def emit(self, record: logging.LogRecord) -> None:
        record.virtual_at = self.clock.now
        self.records.append(record)


def drive_rate_limits(dispatcher: Dispatcher, clock: VirtualClock) -> bool:
    """Puts the bot's in-process rate limiter (bot.limits.LocalAccountLimiter, reached through the
    update middleware holding it) on `clock`; False if there is none to drive."""
    for middleware in dispatcher.update.outer_middleware:
        limiter = getattr(middleware, "_limiter", None)
        if limiter is not None and hasattr(limiter, "_clock"):
            limiter._clock = clock
            return True
    return False


@dataclass
class CallLog:
    """Every Bot API call the sandbox served (its own list keeps only the latest 10,000)."""

    calls: list[dict] = field(default_factory=list)

    def install(self, sandbox: Sandbox) -> None:
        original = sandbox.record_call

        def record_call(method: str, chat_id: int | None, status: int, at: float | None = None) -> None:
            self.calls.append({"method": method, "chat_id": chat_id, "status": status})
            original(method, chat_id, status, at)

        sandbox.record_call = record_call  # type: ignore[method-assign]


def person_for(number: int) -> Person:
    """A valid person of their own for each resident: the name and birth date identify a person
    (a second ballot of the same person elsewhere is refused), so the birth date differs."""
    born = date(1950, 1, 1) + timedelta(days=number)
    return Person(flat=str(number % 500 + 1), full_name="Иванова Мария Петровна",
                  birth_date=born.strftime("%d.%m.%Y"), passport=f"45 {number % 28:02d} {100000 + number:06d}",
                  snils=valid_snils(f"{300000000 + number:09d}"), fls=f"{2000000000 + number}",
                  property_document=f"77:01:{number % 10_000_000:07d}:4915")


class FuzzStand:
    """The stand for one test function: the bot, the sandbox, the observers; a fresh resident per
    hypothesis example (`new_resident`)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, voting: VotingStand, observer: UpdateObserver,
                 logs: LogCapture, calls: CallLog) -> None:
        self.loop, self.voting, self.observer, self.logs, self.calls = loop, voting, observer, logs, calls
        self.clock = logs.clock
        self.limits_driven = drive_rate_limits(voting.app.dispatcher, self.clock)
        self._ids = itertools.count(1)
        self.tally: Counter[str] = Counter()  # what the runs did, for the figures the test prints

    def figures(self) -> str:
        """One line of what the runs on this stand did."""
        return ", ".join(f"{count:,} {what}" for what, count in self.tally.items())

    @property
    def sandbox(self) -> Sandbox:
        return self.voting.server.sandbox

    @property
    def dispatcher(self) -> Dispatcher:
        return self.voting.app.dispatcher

    def run(self, step: Awaitable[T], timeout: float = STEP_TIMEOUT) -> T:
        return self.loop.run_until_complete(asyncio.wait_for(step, timeout))

    def new_resident(self) -> tuple[int, Person]:
        number = next(self._ids)
        return 700_000 + number, person_for(number)

    def chat(self, user_id: int) -> Chat:
        return self.sandbox.chats[user_id]

    async def fsm(self, user_id: int) -> tuple[str | None, dict]:
        """The resident's dialogue state and data as the bot keeps them."""
        context = self.dispatcher.fsm.get_context(self.voting.app.bot, chat_id=user_id, user_id=user_id)
        return await context.get_state(), await context.get_data()


@contextmanager
def fuzz_stand(tmp_path: Path, houses_template: Path, pii_keys: dict[str, str], *,
               settings: dict | None = None) -> Iterator[FuzzStand]:
    """The real bot with one open poll on a copy of the houses database, on a loop of its own;
    `settings` overrides the bot's settings by name."""
    database_file = tmp_path / "vote.sqlite3"
    shutil.copy(houses_template, database_file)
    loop = asyncio.new_event_loop()
    logs = LogCapture(VirtualClock())
    root, informative = logging.getLogger(), [logging.getLogger(name) for name in INFO_LOGGERS]
    levels = [logger.level for logger in informative]
    for logger in informative:
        logger.setLevel(logging.INFO)
    root.addHandler(logs)
    context = voting_stand(database_file, pii_keys=pii_keys, settings=settings)
    try:
        voting = loop.run_until_complete(context.__aenter__())
        try:
            observer, calls = UpdateObserver(), CallLog()
            observer.install(voting.app.dispatcher)
            calls.install(voting.server.sandbox)
            yield FuzzStand(loop, voting, observer, logs, calls)
        finally:
            loop.run_until_complete(context.__aexit__(None, None, None))
    finally:
        root.removeHandler(logs)
        for logger, level in zip(informative, levels):
            logger.setLevel(level)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

