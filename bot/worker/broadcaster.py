"""The broadcaster: sends the recipient rows of every job being sent, at the shared rate.

A round leases a batch of rows (about half a second's worth, FOR UPDATE SKIP LOCKED on
PostgreSQL), commits, and hands each row to a task that waits for its slot of the shared limiter
(`bot.ratelimit`) and sends it. What Telegram answered is written within ~50 ms in one short
transaction for all rows answered meanwhile, each under its own lease, so a sender killed at any
moment leaves only rows still `sending`: another sender takes them once their lease runs out and
counts them in `Broadcast.resent`, the bound on residents who got a second copy.

A flood wait (429) pauses every sender; 403 blocks the row and marks the resident unreachable; a
resident who turned announcements off is skipped. Verdict and desk notices go first: while any are
due (in the outbox, or being sent by the notice sender) no new batch is leased. Every ~2 s one
sender edits each job's progress message in place; at the end, the final figures.
"""
from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError, TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError, TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import EditMessageText, SendMessage, SendPhoto
from aiogram.methods.base import Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import pick_language, translator
from bot.logs import first_line
from bot.metrics import ANNOUNCEMENTS
from bot.ratelimit import LocalLimiter, SendLimiter
from bot.worker.loops import wait_or_stop
from handlers.announce_views import poll_button, progress_markup, progress_text
from services.broadcasts import Announcements
from storage.broadcasts import Broadcast, RecipientState
from storage.database import reading
from storage.models import Poll
from storage.repositories.broadcasts import BroadcastRepository, LeasedRow, Outcome
from storage.types import utcnow

log = logging.getLogger(__name__)
SEND_TIMEOUT = 15  # seconds for one sendMessage
MAX_ATTEMPTS = 5  # a row failing this often for want of an answer is given up as failed
BATCH_SECONDS = 0.5  # a lease holds about this much sending
# rows on their way at once (waiting for their slot, or for Telegram's answer): few enough that a
# slow answer holds the next rows back instead of queueing them to go out in a bunch later. When
# Telegram's end stalls, the rows already on their way arrive together, so the rate asked
# (HEADROOM) plus these must stay within the limit: 960 + 29 at 1,000/s (with 0.1 s, 96 rows,
# one second of the bench held 1,055)
AHEAD_SECONDS = 0.03
FLUSH_EVERY = 0.05  # seconds between writes of what Telegram answered
PROGRESS_EVERY = 2.0
#: the share of the job's rate asked of the limiter: messages arrive at Telegram a little unevenly
#: (each process and the network add their own delays), and no one second may hold more than the rate
HEADROOM = 0.96


class AnnouncementText(SendMessage):
    """sendMessage whose answer is read as a plain dict: the broadcaster needs only to know that
    Telegram took it, and reading every answer into a Message took a third of the sending."""

    __returning__ = dict


class AnnouncementPhoto(SendPhoto):
    __returning__ = dict


# aiogram reads each answer as Response[<what the method returns>]; pydantic keeps such a class only
# while something refers to it, and building it again takes tens of milliseconds: held here
_ANSWER_TYPES = (Response[dict], Response[EditMessageText.__returning__])


@dataclass(frozen=True, slots=True)
class Job:
    """What sending one row needs to know of its job, read once a round."""

    id: int
    text: str
    photo: str | None
    paid: bool
    interval: float
    poll_id: int | None
    titles: tuple[str, str | None]  # the button's poll, Russian and English

    @classmethod
    def of(cls, broadcast: Broadcast, poll: Poll | None) -> Job:
        return cls(broadcast.id, broadcast.text, broadcast.photo, broadcast.paid, 1.0 / (broadcast.rate * HEADROOM),
                   poll.id if poll else None, (poll.title, poll.title_en) if poll else ("", None))

    def batch(self) -> int:
        return max(1, min(1000, math.ceil(BATCH_SECONDS / self.interval)))


class Broadcaster:
    def __init__(self, *, session_factory: async_sessionmaker[AsyncSession], bot: Bot,
                 limiter: SendLimiter | None = None, lease: timedelta = timedelta(seconds=60),
                 progress_every: float = PROGRESS_EVERY, now: Callable[[], datetime] = utcnow) -> None:
        self._sessions = session_factory
        self._bot = bot
        self._limiter = limiter or LocalLimiter()
        self.lease = lease
        self.progress_every = progress_every
        self._now = now
        self._answered: dict[int, list[Outcome]] = {}
        self._released: dict[tuple[int, str], list[int]] = {}
        self._in_flight: set[asyncio.Task] = set()
        self._ahead: asyncio.Semaphore | None = None
        self._ahead_size = 0
        self._turn = 0
        self._progress: asyncio.Task | None = None
        self.sent = 0  # messages Telegram accepted from this broadcaster

    # --- the loop ------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event, *, idle_sleep: float = 0.5) -> None:
        finished = asyncio.Event()
        recorder = asyncio.create_task(self._record_until(finished))
        try:
            while not stop.is_set():
                try:
                    busy = await self.round()
                except Exception as error:
                    log.error("broadcasting failed (%s: %s)", type(error).__name__, first_line(error))
                    busy = False
                if not busy:
                    await wait_or_stop(stop, idle_sleep)
        finally:
            # rows on their way are finished and recorded; untried ones wait for their lease to run out
            if self._in_flight:
                await asyncio.wait(set(self._in_flight), timeout=SEND_TIMEOUT)
            if self._progress is not None:
                await asyncio.wait([self._progress], timeout=SEND_TIMEOUT)
            finished.set()
            await recorder

    async def round(self) -> bool:
        """Leases and dispatches one batch of one job; False when there is nothing to do."""
        async with self._sessions() as session:
            await reading(session)
            jobs = list(await BroadcastRepository(session).sending())
        if not jobs:
            return False
        broadcast = jobs[self._turn % len(jobs)]
        self._turn += 1
        if await self._notices_first():
            await asyncio.sleep(0.05)
            return True
        async with self._sessions() as session:
            await reading(session)
            poll = await session.get(Poll, broadcast.button_poll_id) if broadcast.button_poll_id else None
            job = Job.of(broadcast, poll)
        self._maybe_show_progress(job)
        now = self._now()
        async with self._sessions.begin() as session:
            lease = await BroadcastRepository(session).lease(job.id, now=now, until=now + self.lease,
                                                               limit=job.batch())
        if lease.resent:
            log.warning("announcement %d: %d rows left by a stopped sender are sent again", job.id, lease.resent)
        if not lease.rows:
            return await self._finish(job.id) or bool(lease.skipped)
        ahead = self._ahead_for(job)
        deadline = now + self.lease * 0.8
        for row in lease.rows:
            await ahead.acquire()
            task = asyncio.create_task(self._deliver(job, lease.token, row, deadline))
            self._in_flight.add(task)
            task.add_done_callback(self._done(ahead))
        return True

    def _done(self, ahead: asyncio.Semaphore):
        def finished(task: asyncio.Task) -> None:
            self._in_flight.discard(task)
            ahead.release()
        return finished

    def _ahead_for(self, job: Job) -> asyncio.Semaphore:
        size = min(100, max(8, math.ceil(AHEAD_SECONDS / job.interval)))
        if self._ahead is None or size > self._ahead_size:
            self._ahead, self._ahead_size = asyncio.Semaphore(size), size
        return self._ahead

    async def _notices_first(self) -> bool:
        if await self._limiter.announcements_held():
            return True
        async with self._sessions() as session:
            await reading(session)
            return await BroadcastRepository(session).urgent_notices_due(self._now())

    async def _finish(self, broadcast_id: int) -> bool:
        """No row left to lease: once the rows in flight are recorded, the job is done."""
        if any(self._answered.values()) or self._released:
            await self._flush()
        async with self._sessions.begin() as session:
            done = await BroadcastRepository(session).finish_if_done(broadcast_id, at=self._now())
        if done:
            log.info("announcement %d sent", broadcast_id)
            await self.show_progress(broadcast_id)
        return False

    # --- one row -------------------------------------------------------------------------------
    async def _deliver(self, job: Job, token: str, row: LeasedRow, deadline: datetime) -> None:
        language = pick_language(row.language)
        markup = None
        if job.poll_id is not None:
            title = (job.titles[1] if language == "en" else None) or job.titles[0]
            markup = poll_button(job.poll_id, title, translator(language))
        extra = {"allow_paid_broadcast": True} if job.paid else {}
        # built before the slot is taken, so that at the slot only the request itself is left to do
        if job.photo:
            method = AnnouncementPhoto(chat_id=row.chat_id, photo=job.photo, caption=job.text, parse_mode="HTML",
                                       reply_markup=markup, **extra)
        else:
            method = AnnouncementText(chat_id=row.chat_id, text=job.text, parse_mode="HTML", reply_markup=markup,
                                      **extra)
        while True:
            remaining = (deadline - self._now()).total_seconds()
            if not await self._limiter.acquire(job.interval, row.chat_id, within=max(0.0, remaining)):
                # a flood wait longer than the lease: the row goes back rather than outlive it
                self._released.setdefault((job.id, token), []).append(row.chat_id)
                return
            try:
                await self._bot(method, request_timeout=SEND_TIMEOUT)
            except TelegramRetryAfter as error:
                log.warning("Telegram asks to wait %d s before sending more", error.retry_after)
                await self._limiter.pause(error.retry_after)
                continue  # the same row, once the pause is over
            except TelegramForbiddenError as error:
                self._answer(job.id, Outcome(row.chat_id, token, RecipientState.BLOCKED, first_line(error)))
            except TelegramBadRequest as error:
                self._answer(job.id, Outcome(row.chat_id, token, RecipientState.FAILED, first_line(error)))
            except (TelegramServerError, TelegramNetworkError, OSError, TimeoutError) as error:
                # no answer, or a broken one: it may have been delivered; sending it again is the
                # at-least-once side, counted in `resent`
                log.warning("announcement %d: a message got no answer (%s)", job.id, type(error).__name__)
                again = RecipientState.QUEUED if row.attempts < MAX_ATTEMPTS else RecipientState.FAILED
                self._answer(job.id, Outcome(row.chat_id, token, again, first_line(error), uncertain=True))
            except TelegramAPIError as error:
                self._answer(job.id, Outcome(row.chat_id, token, RecipientState.FAILED, first_line(error)))
            else:
                self.sent += 1
                self._answer(job.id, Outcome(row.chat_id, token, RecipientState.SENT))
            return

    def _answer(self, broadcast_id: int, outcome: Outcome) -> None:
        ANNOUNCEMENTS.labels(str(outcome.state)).inc()
        self._answered.setdefault(broadcast_id, []).append(outcome)

    # --- writing what Telegram answered --------------------------------------------------------
    async def _record_until(self, finished: asyncio.Event) -> None:
        while not finished.is_set():
            await self._flush()
            await wait_or_stop(finished, FLUSH_EVERY)
        await self._flush()

    async def _flush(self) -> None:
        answered, self._answered = self._answered, {}
        released, self._released = self._released, {}
        if not any(answered.values()) and not released:
            return
        try:
            async with self._sessions.begin() as session:
                jobs = BroadcastRepository(session)
                for broadcast_id, outcomes in answered.items():
                    await jobs.record(broadcast_id, outcomes, at=self._now())
                for (broadcast_id, token), chat_ids in released.items():
                    await jobs.release(broadcast_id, token, chat_ids)
        except Exception as error:
            # kept for the next write; a crash meanwhile means sending these again (counted)
            log.error("answers of %d messages not written (%s)", sum(map(len, answered.values())),
                      type(error).__name__)
            for broadcast_id, outcomes in answered.items():
                self._answered.setdefault(broadcast_id, [])[:0] = outcomes
            for key, chat_ids in released.items():
                self._released.setdefault(key, []).extend(chat_ids)

    # --- the progress message ------------------------------------------------------------------
    def _maybe_show_progress(self, job: Job) -> None:
        """The progress is counted and shown beside the sending, never in its way: counting a big
        job's rows takes longer than the rows already on their way last."""
        if self._progress is None or self._progress.done():
            self._progress = asyncio.create_task(self._show_progress_in_turn(job))

    async def _show_progress_in_turn(self, job: Job) -> None:
        try:
            if await self._limiter.take_turn(f"progress:{job.id}", self.progress_every):
                await self.show_progress(job.id, interval=job.interval)
        except Exception as error:  # the progress is a view: the sending goes on without it
            log.info("announcement %d: progress not shown (%s)", job.id, type(error).__name__)

    async def show_progress(self, broadcast_id: int, *, interval: float = 1 / 25) -> None:
        """Edits the job's progress message in place (in the admin's language), taking one slot of
        the job's pace (`interval`) from the shared limiter."""
        async with self._sessions() as session:
            await reading(session)
            progress = await Announcements(session).progress(broadcast_id, now=self._now())
        if progress is None or progress.chat_id is None or progress.message_id is None:
            return
        gettext = translator(progress.language)
        try:
            await self._limiter.acquire(interval, progress.chat_id)
            await self._bot.edit_message_text(text=progress_text(progress, gettext), chat_id=progress.chat_id,
                                              message_id=progress.message_id,
                                              reply_markup=progress_markup(progress, gettext))
        except TelegramRetryAfter as error:
            await self._limiter.pause(error.retry_after)
        except TelegramBadRequest as error:
            if "not modified" not in str(error):
                log.info("announcement %d: progress not shown (%s)", broadcast_id, first_line(error))
        except (TelegramAPIError, TelegramNetworkError, OSError, TimeoutError) as error:
            log.info("announcement %d: progress not shown (%s)", broadcast_id, type(error).__name__)


async def run_broadcaster(*, session_factory: async_sessionmaker[AsyncSession], bot: Bot, stop: asyncio.Event,
                          limiter: SendLimiter | None = None, idle_sleep: float = 0.5,
                          lease: timedelta = timedelta(seconds=60),
                          progress_every: float = PROGRESS_EVERY) -> int:
    """Sends announcements until `stop` is set; returns how many messages Telegram accepted."""
    broadcaster = Broadcaster(session_factory=session_factory, bot=bot, limiter=limiter, lease=lease,
                              progress_every=progress_every)
    await broadcaster.run(stop, idle_sleep=idle_sleep)
    return broadcaster.sent


__all__ = ["AnnouncementPhoto", "AnnouncementText", "Broadcaster", "Job", "run_broadcaster"]
