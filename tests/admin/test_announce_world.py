"""What the announcement engine tests share: many residents and sandbox people at once, a launched
job, the broadcaster as a task or as the operator's command in a process of its own."""
from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
from collections import Counter
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, update

from bot.ratelimit import LocalLimiter
from bot.settings import load_settings
from bot.worker.broadcaster import Broadcaster
from sandbox.runner import SandboxServer
from sandbox.state import Person
from services.broadcasts import Announcements, Audience, Composed
from storage.database import reading
from storage.models import Resident
from storage.repositories.broadcasts import AudienceKind
from storage.types import utcnow
from tests.plugins.sandbox import SANDBOX_TOKEN, sandbox_bot_for

REPO = Path(__file__).resolve().parents[2]
ADMIN = 990001
TEXT = "<b>Собрание жильцов</b> в четверг, <i>19:00</i>"


async def add_residents(sessions, ids, *, language: str = "ru", announcements: bool = True) -> None:
    now = utcnow()
    async with sessions.begin() as session:
        await session.execute(insert(Resident), [
            {"telegram_id": chat_id, "language": language, "consent_at": now, "announcements": announcements,
             "created_at": now} for chat_id in ids])


async def turn_off(sessions, ids) -> None:
    async with sessions.begin() as session:
        await session.execute(update(Resident).where(Resident.telegram_id.in_(list(ids))).values(announcements=False))


def add_people(server: SandboxServer, ids, language: str = "ru") -> None:
    for chat_id in ids:
        server.sandbox.add_person(Person(id=chat_id, first_name="Житель", language_code=language))


def copies(server: SandboxServer, ids, fragment: str = "Собрание жильцов") -> Counter:
    """How many messages containing `fragment` each chat holds."""
    seen: Counter = Counter()
    for chat_id in ids:
        chat = server.sandbox.chats[chat_id]
        seen[chat_id] = sum(1 for m in chat.messages.values()
                            if m.from_bot and fragment in ((m.text or "") + (m.caption or "")))
    return seen


async def progress_message(server: SandboxServer) -> int:
    """A message of the bot in the admin's chat for the progress to be edited in."""
    if ADMIN not in server.sandbox.people:
        add_people(server, [ADMIN])
    bot = sandbox_bot_for(server.url)
    try:
        return (await bot.send_message(ADMIN, "📣 …")).message_id
    finally:
        await bot.session.close()


async def launch(sessions, server: SandboxServer, *, paid: bool = True, text: str = TEXT,
                 audience: Audience = Audience(AudienceKind.EVERYONE), paid_rate: float = 1000.0,
                 **composed) -> int:
    settings = load_settings(broadcast_paid=paid, broadcast_paid_rate=paid_rate)
    message_id = await progress_message(server)
    async with sessions() as session:
        progress = await Announcements(session, settings).launch(
            ADMIN, Composed(text=text, audience=audience, paid=paid, **composed),
            progress_chat_id=ADMIN, progress_message_id=message_id)
    return progress.id


async def progress_of(sessions, broadcast_id: int):
    async with sessions() as session:
        await reading(session)
        return await Announcements(session).progress(broadcast_id)


async def wait_until(condition, *, timeout: float, step: float = 0.1, why=lambda: "") -> None:
    for _ in range(int(timeout / step)):
        if await condition():
            return
        await asyncio.sleep(step)
    raise AssertionError(f"not reached within {timeout} s {why()}")


async def finished(sessions, broadcast_id: int) -> bool:
    return (await progress_of(sessions, broadcast_id)).state == "done"


@asynccontextmanager
async def broadcasting(sessions, server: SandboxServer, *, limiter=None, lease: float = 60.0):
    """The broadcaster running as a task of this process."""
    bot = sandbox_bot_for(server.url)
    stop = asyncio.Event()
    broadcaster = Broadcaster(session_factory=sessions, bot=bot, limiter=limiter or LocalLimiter(),
                              lease=timedelta(seconds=lease), progress_every=1.0)
    task = asyncio.create_task(broadcaster.run(stop, idle_sleep=0.05))
    try:
        yield broadcaster
    finally:
        stop.set()
        await task
        await bot.session.close()


class BroadcasterProcess:
    """`python -m bot broadcaster` in a process of its own, its output in a file."""

    def __init__(self, folder: Path, *, database_url: str, server_url: str, redis_url: str = "",
                 prefix: str = "fsm", paid: bool = True) -> None:
        self.folder, self.runs = folder, 0
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder),
                    "PYTHONPATH": str(REPO), "DATABASE_URL": database_url, "BOT_TOKEN": SANDBOX_TOKEN,
                    "BOT_API_URL": server_url, "REDIS_URL": redis_url, "REDIS_PREFIX": prefix,
                    "BROADCAST_PAID": "true" if paid else "false"}
        self.process: subprocess.Popen | None = None

    def start(self, *args: str) -> None:
        self.runs += 1
        log = (self.folder / f"broadcaster-{id(self)}-{self.runs}.log").open("w")
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "broadcaster", "--idle-sleep", "0.05", *args],
                                        cwd=self.folder, env=self.env, stdout=log, stderr=log)

    async def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        assert await self._ended(10) == -signal.SIGKILL

    async def stop(self) -> int:
        """SIGTERM, then its exit code; waits without blocking the sandbox it may still be talking to."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        return await self._ended(30)

    async def _ended(self, timeout: float) -> int:
        for _ in range(int(timeout / 0.05)):
            if self.process.poll() is not None:
                return self.process.returncode
            await asyncio.sleep(0.05)
        self.process.kill()
        raise AssertionError(f"the broadcaster did not end within {timeout} s\n{self.output()}")

    def output(self) -> str:
        return "\n".join((self.folder / f"broadcaster-{id(self)}-{n}.log").read_text()
                         for n in range(1, self.runs + 1))


async def recipients_by_state(sessions, broadcast_id: int) -> dict[str, int]:
    from storage.repositories.broadcasts import BroadcastRepository

    async with sessions() as session:
        return await BroadcastRepository(session).counts(broadcast_id)


async def unreachable(sessions, ids) -> set[int]:
    async with sessions() as session:
        return set(await session.scalars(select(Resident.telegram_id).where(
            Resident.telegram_id.in_(list(ids)), Resident.unreachable_at.is_not(None))))


#: The sandbox stamps each message when its event loop, in the test's own process, reads the request:
#: on a 2-core machine busy with the sender too, a stalled loop reads a few at once and moves them
#: into one second. The strict figure (never above) is the bench's, measured on a quiet machine; here
#: a sender that ignored the limit or let two processes double it still fails.
ARRIVAL_SLACK = 1.03


def within_limit(busiest_second: int, limit: int) -> bool:
    return busiest_second <= limit * ARRIVAL_SLACK


@contextmanager
def steady_arrivals():
    """While a rate is measured, no garbage collection in this process: a full collection of the
    whole suite's heap stops the sandbox's loop for 0.3-0.5 s, and the requests that waited meanwhile
    are stamped together, ~20 % above the rate in one second, a bunch no sender made."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
