"""Verdict notices: from the outbox to the resident's chat, in the resident's language.

"✅ Your vote for <house> was counted" or "❌ … was not counted", with each reason in plain
words, what to do next and how to appeal (the verdicts catalogue), rendered when sent so that
a resident who switched language reads it in the new one. Once a poll's results are published,
each voter's house's result the same way, with a pointer to /results and a "Check my vote"
button (sent after verdicts).

Sending keeps to a global rate (25 messages a second by default: Telegram allows about 30), and
Telegram's flood wait (429 retry_after) pauses every sender,
not one message: the slots come from the limiter (`bot.ratelimit`) the broadcaster shares, through
Redis when there is one. While verdict or desk notices are being sent, announcements stand back. A
chat that blocked the bot (403) marks the resident unreachable; their notices wait until they write
again. Each notice is marked sent in its own short transaction right after Telegram accepted
it (while the database is down, e.g. restarting, the marking is tried again within the notice's
lease): a process killed between the two sends that one notice again (at-least-once), nothing
else is repeated or lost.
"""
from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError, TelegramForbiddenError, TelegramNetworkError, TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import DEFAULT_LANGUAGE, pick_language, translator
from bot.logs import first_line
from bot.metrics import NOTICES
from bot.outages import is_outage
from bot.ratelimit import LocalLimiter, SendLimiter
from bot.worker import staff_notices
from bot.worker.loops import wait_or_stop
from counting.houses import Why
from handlers.callbacks import CheckCb
from services.checking import RetryDelays
from services.result_words import UNDECIDED, decision_text, number
from storage.repositories.checks import VERDICT_NOTICE
from storage.repositories.outbox import MAX_ATTEMPTS, RESULTS_NOTICE, OutboxRepository, OutgoingNotice
from storage.types import utcnow
from verification.decision import Verdict, VerdictOutcome, reason
from verification.refusal import N_

log = logging.getLogger(__name__)

COUNTED = N_("✅ Your vote for {house} was counted.\nReceipt: {receipt}")
REJECTED = N_("❌ Your vote for {house} was not counted.\nReceipt: {receipt}")
WHY = N_("Why, and what to do next:")
PUBLISHED = N_("📊 The results of the vote «{poll}» are published.\nYour house {house}: {decision}.")
FOR_SHARE = N_("For, with the share of the flats that did not vote: {for_pct} % — more than "
               "{threshold} of all flats was needed.")
BY_MEETING = N_("The general meeting of the owners decided it.")
SEE_RESULTS = N_("The numbers, the formula and the chart: /results")
CHECK_MY_VOTE = N_("🔎 Check my vote")
HOUSE_AND_FLAT = N_("{house}, flat {flat}")
SEND_TIMEOUT = 15  # seconds for one sendMessage
MARK_RETRY_FIRST, MARK_RETRY_LONGEST = 0.2, 2.0  # pauses between tries to mark a sent notice


class UnknownNotice(ValueError):
    """A payload this sender cannot render; it stays in the outbox with the error."""


def render_notice(kind: str, payload: Mapping[str, Any], gettext: Callable[[str], str],
                  language: str = DEFAULT_LANGUAGE) -> str:
    """The HTML text of a notice in the language of `gettext` (numbers written as in `language`)."""
    if kind == RESULTS_NOTICE:
        return _results(payload, gettext, language)
    desk = staff_notices.render(kind, payload, gettext, language)
    if desk is not None:
        return desk
    if kind != VERDICT_NOTICE:
        raise UnknownNotice(f"no text for notices of kind {kind!r}")
    try:
        house = html.escape(str(payload["house"]))
        if payload.get("flat"):  # notices queued before the flat was in the payload have none
            house = gettext(HOUSE_AND_FLAT).format(house=house, flat=html.escape(str(payload["flat"])))
        house = f"<b>{house}</b>"
        receipt = f"<code>{html.escape(str(payload['receipt']))}</code>"
        outcome = VerdictOutcome(payload["outcome"])
        reasons = tuple(reason(code) for code in payload.get("reasons", ()))
    except (KeyError, ValueError) as error:
        raise UnknownNotice(f"a verdict notice without a valid {error}") from None
    if outcome is VerdictOutcome.COUNTED:
        return gettext(COUNTED).format(house=house, receipt=receipt)
    explained = Verdict(VerdictOutcome.REJECTED, reasons).explain(gettext)
    return "\n\n".join([gettext(REJECTED).format(house=house, receipt=receipt),
                        gettext(WHY), html.escape(explained)])


def _results(payload: Mapping[str, Any], gettext: Callable[[str], str], language: str) -> str:
    try:
        house = f"<b>{html.escape(str(payload['house']))}</b>"
        poll = html.escape(str(payload["poll"]))
        decision = gettext(decision_text(payload["decision"]))
        why = Why(payload["why"])
        for_pct, threshold = payload.get("for_pct"), html.escape(str(payload.get("threshold", "")))
    except (KeyError, ValueError) as error:
        raise UnknownNotice(f"a results notice without a valid {error}") from None
    lines = [gettext(PUBLISHED).format(poll=poll, house=house, decision=decision)]
    if why is Why.PROTOCOL:
        lines.append(gettext(BY_MEETING))
    elif why in UNDECIDED:
        lines.append(gettext(UNDECIDED[why]))
    elif for_pct is not None:
        lines.append(gettext(FOR_SHARE).format(for_pct=number(for_pct, language), threshold=threshold))
    lines.append(gettext(SEE_RESULTS))
    return "\n".join(lines)


def notice_markup(kind: str, payload: Mapping[str, Any],
                  gettext: Callable[[str], str]) -> InlineKeyboardMarkup | None:
    """The buttons under a notice: a results notice's opens the check of the resident's vote; the
    desk's (`staff_notices`) come first."""
    desk = staff_notices.markup(kind, payload, gettext)
    if desk is not None:
        return desk
    if kind != RESULTS_NOTICE or not isinstance(payload.get("poll_id"), int):
        return None
    button = InlineKeyboardButton(text=gettext(CHECK_MY_VOTE), callback_data=CheckCb(poll_id=payload["poll_id"]).pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


class NoticeSender:
    def __init__(self, *, session_factory: async_sessionmaker[AsyncSession], bot: Bot,
                 rate: float = 25, lease: timedelta = timedelta(seconds=60),
                 retry: RetryDelays = RetryDelays(timedelta(seconds=30), timedelta(hours=1)),
                 max_attempts: int = MAX_ATTEMPTS,
                 now: Callable[[], datetime] = utcnow, limiter: SendLimiter | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive (messages per second)")
        self._sessions = session_factory
        self._bot = bot
        self.rate = rate
        self.lease = lease
        self.retry = retry
        self.max_attempts = max_attempts
        self._now = now
        self._limiter = limiter or LocalLimiter()
        self._paused_until = 0.0  # time.monotonic() until which Telegram asked us to wait

    @property
    def paused_for(self) -> float:
        """Seconds left of Telegram's flood wait (0 when sending is allowed)."""
        return max(0.0, self._paused_until - time.monotonic())

    async def send_due(self) -> int:
        """Sends (or tries) up to a second's worth of due notices; returns how many it took."""
        if self.paused_for:
            return 0
        shared_pause = await self._limiter.paused_for()
        if shared_pause:  # another sender was told to wait
            self._paused_until = max(self._paused_until, time.monotonic() + shared_pause)
            return 0
        now = self._now()
        async with self._sessions.begin() as session:
            notices = await OutboxRepository(session).claim(
                now=now, lease_until=now + self.lease, limit=max(1, int(self.rate)),
                max_attempts=self.max_attempts)
        # the notices are this sender's until shortly before their lease runs out, then anyone's again
        leased_until = time.monotonic() + self.lease.total_seconds() * 0.8
        urgent = sum(1 for notice in notices if notice.kind != RESULTS_NOTICE)
        if urgent:  # verdicts first: announcements wait until these are out
            await self._limiter.hold_announcements(urgent / self.rate + 1.0)
        await asyncio.gather(*(self._deliver(notice, leased_until) for notice in notices))
        return len(notices)

    async def _deliver(self, notice: OutgoingNotice, leased_until: float) -> None:
        try:
            language = pick_language(notice.language)
            gettext = translator(language)
            text = render_notice(notice.kind, notice.payload, gettext, language)
            markup = notice_markup(notice.kind, notice.payload, gettext)
        except UnknownNotice as error:
            log.error("notice %d cannot be rendered: %s", notice.id, error)
            await self._postpone(notice, str(error))
            return
        # a flood wait longer than the lease: the notice goes back rather than outlive it. No spacing
        # per chat here: a resident's verdicts come one a ballot, and a replayed backlog must not wait
        if not await self._limiter.acquire(1 / self.rate, within=self.lease.total_seconds() * 0.8):
            await self._postpone(notice, "waiting out a flood limit", flood=self.paused_for or 1.0)
            return
        try:
            sent = await self._bot.send_message(notice.chat_id, text, parse_mode="HTML",
                                                reply_markup=markup, request_timeout=SEND_TIMEOUT)
        except TelegramRetryAfter as error:
            self._paused_until = max(self._paused_until, time.monotonic() + error.retry_after)
            await self._limiter.pause(error.retry_after)
            log.warning("Telegram asks to wait %d s before sending more", error.retry_after)
            await self._postpone(notice, f"flood limit: retry after {error.retry_after} s",
                                 flood=error.retry_after)
            return
        except TelegramForbiddenError as error:
            log.info("chat %d does not take messages from the bot; notices held", notice.chat_id)
            NOTICES.labels("unreachable").inc()
            async with self._sessions.begin() as session:
                await OutboxRepository(session).hold_for_unreachable(
                    notice.id, notice.chat_id, at=self._now(), error=first_line(error))
            return
        except (TelegramAPIError, TelegramNetworkError, OSError, TimeoutError) as error:
            # a timeout may hide a delivered message: sending again is the at-least-once side
            log.warning("notice %d not sent (%s)", notice.id, type(error).__name__)
            NOTICES.labels("failed").inc()
            await self._postpone(notice, first_line(error))
            return
        NOTICES.labels("sent").inc()
        await self._mark_sent(notice, sent.message_id, leased_until)

    async def _mark_sent(self, notice: OutgoingNotice, message_id: int, leased_until: float) -> None:
        """Records that Telegram accepted the notice. A database that does not answer (restarting
        after a crash) is asked again while the lease lasts: the notice must not go out twice."""
        ballot_id = notice.payload.get("ballot_id")
        pause = MARK_RETRY_FIRST
        while True:
            try:
                async with self._sessions.begin() as session:
                    await OutboxRepository(session).mark_sent(
                        notice.id, at=self._now(), message_id=message_id,
                        ballot_id=int(ballot_id) if isinstance(ballot_id, int) else None)
                return
            except Exception as error:
                if not is_outage(error) or time.monotonic() + pause > leased_until:
                    # delivered but not recorded: it goes out again when the lease runs out
                    log.error("notice %d sent but not marked (%s)", notice.id, type(error).__name__)
                    return
            await asyncio.sleep(pause)
            pause = min(pause * 2, MARK_RETRY_LONGEST)

    async def _postpone(self, notice: OutgoingNotice, error: str, *, flood: float | None = None) -> None:
        if flood is not None:
            until, counted = self._now() + timedelta(seconds=flood), False
        else:
            until, counted = self._now() + self.retry.after(notice.attempts), True
        try:
            async with self._sessions.begin() as session:
                await OutboxRepository(session).postpone(notice.id, until=until, error=error,
                                                         count_attempt=counted)
        except Exception as failure:
            log.error("notice %d not postponed (%s); its lease will run out",
                      notice.id, type(failure).__name__)


async def run_notices(*, session_factory: async_sessionmaker[AsyncSession], bot: Bot,
                      stop: asyncio.Event, rate: float = 25, idle_sleep: float = 0.5,
                      lease: timedelta = timedelta(seconds=60),
                      retry: RetryDelays = RetryDelays(timedelta(seconds=30), timedelta(hours=1)),
                      max_attempts: int = MAX_ATTEMPTS, limiter: SendLimiter | None = None) -> None:
    """Sends queued notices until `stop` is set; looks for new ones every `idle_sleep` s. Give the
    `limiter` the broadcaster uses (`bot.ratelimit.create_limiter`) so that both keep one rate."""
    sender = NoticeSender(session_factory=session_factory, bot=bot, rate=rate, lease=lease,
                          retry=retry, max_attempts=max_attempts, limiter=limiter)
    while not stop.is_set():
        try:
            taken = await sender.send_due()
        except Exception as error:
            log.error("sending notices failed (%s: %s)", type(error).__name__, first_line(error))
            taken = 0
        if not taken:
            await wait_or_stop(stop, max(sender.paused_for, idle_sleep))
