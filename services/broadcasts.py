"""Announcements: who they go to, launching one, pausing, resuming and cancelling it, its progress;
and a resident's own choice to take announcements or not.

Each call that writes is one unit of work: it commits, with its audit entry, before it returns.
A launched job's recipient rows are built in one INSERT … SELECT (100,000 rows take seconds), and
the broadcaster (`bot.worker.broadcaster`) sends them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.audit import AuditLog, actor_of
from storage.broadcasts import Broadcast, BroadcastState, RecipientState
from storage.repositories import PollRepository
from storage.repositories.broadcasts import AudienceKind, BroadcastRepository
from storage.types import utcnow

#: the progress's rate is what was sent over this last stretch
RATE_WINDOW = timedelta(seconds=10)
#: Telegram's Bot API: allow_paid_broadcast allows "up to 1000 messages per second, ignoring
#: broadcasting limits for a fee of 0.1 Telegram Stars per message" (core.telegram.org/bots/api,
#: sendMessage; the same text in aiogram 3.31's SendMessage.allow_paid_broadcast), billed for the
#: messages above the free limit (TransactionPartnerTelegramApi.request_count)
STARS_PER_PAID_MESSAGE = 0.1
FREE_RATE = 30.0  # about what Telegram allows a second without paying
POLLS_SHOWN = 8  # polls offered for a button or an audience, newest first


@dataclass(frozen=True, slots=True)
class Audience:
    kind: AudienceKind
    poll_id: int | None = None
    okrug: str | None = None
    district: str | None = None

    def __post_init__(self) -> None:
        needs_poll = self.kind in (AudienceKind.POLL_HOUSES, AudienceKind.NOT_VOTED, AudienceKind.REJECTED)
        if needs_poll and self.poll_id is None:
            raise ValueError(f"the audience {self.kind} needs a poll")
        if self.kind is AudienceKind.AREA and not self.okrug:
            raise ValueError("an area audience needs an okrug")

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value}
        for name in ("poll_id", "okrug", "district"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(AudienceKind(data["kind"]), data.get("poll_id"), data.get("okrug"), data.get("district"))


@dataclass(frozen=True, slots=True)
class Composed:
    """What the admin composed: HTML text, an optional photo (file_id) and poll button."""

    text: str
    audience: Audience
    photo: str | None = None
    button_poll_id: int | None = None
    paid: bool = False
    language: str = "ru"  # the admin's: the progress message is written in it


@dataclass(frozen=True, slots=True)
class Progress:
    id: int
    state: str
    total: int
    sent: int
    failed: int
    blocked: int
    skipped: int
    left: int  # queued or in flight
    rate: float  # messages a second over RATE_WINDOW
    limit: float  # the job's rate
    resent: int  # at most this many residents got it twice (rows in flight when a sender died)
    paid: bool
    language: str
    chat_id: int | None
    message_id: int | None

    @property
    def eta_seconds(self) -> float | None:
        if not self.left:
            return 0.0
        speed = self.rate or (self.limit if self.state == BroadcastState.SENDING else 0)
        return self.left / speed if speed else None


def job_rate(settings, paid: bool) -> float:
    return settings.broadcast_paid_rate if paid and settings.broadcast_paid else settings.broadcast_rate


def stars_for(count: int, rate: float) -> float:
    """The most a paid job of `count` messages at `rate` costs: the share above the free rate."""
    billed = count * max(0.0, 1 - FREE_RATE / rate) if rate > FREE_RATE else 0
    return round(billed * STARS_PER_PAID_MESSAGE, 1)


class Announcements:
    def __init__(self, session, settings=None) -> None:
        self._session = session
        self._settings = settings
        self._jobs = BroadcastRepository(session)

    async def count(self, audience: Audience) -> int:
        return await self._jobs.count_audience(audience.as_json())

    async def areas(self) -> list[tuple[str, str]]:
        return await self._jobs.areas()

    async def polls(self, language: str, *, open_only: bool = False) -> list[tuple[int, str]]:
        """(id, title in `language`) of the newest polls: every one, or those taking ballots now
        (what an announcement's button may open)."""
        polls = PollRepository(self._session)
        found = await polls.open_polls(utcnow()) if open_only else await polls.list()
        return [(poll.id, (poll.title_en if language == "en" else None) or poll.title) for poll in found][:POLLS_SHOWN]

    async def poll_title(self, poll_id: int | None, language: str) -> str | None:
        poll = await PollRepository(self._session).get(poll_id) if poll_id is not None else None
        return ((poll.title_en if language == "en" else None) or poll.title) if poll is not None else None

    async def launch(self, admin_id: int, composed: Composed, *, progress_chat_id: int,
                     progress_message_id: int, now: datetime | None = None) -> Progress:
        """Creates the job and its recipient rows; the broadcaster starts sending it at once."""
        now = now or utcnow()
        paid = composed.paid and bool(self._settings.broadcast_paid)
        audience = {**composed.audience.as_json(), "language": composed.language}
        job = await self._jobs.create(created_by=admin_id, text=composed.text, photo=composed.photo,
                                      button_poll_id=composed.button_poll_id, audience=audience,
                                      rate=job_rate(self._settings, paid), paid=paid, at=now)
        await self._jobs.set_progress_message(job, progress_chat_id, progress_message_id)
        total = await self._jobs.build_recipients(job, at=now)
        await AuditLog(self._session).append(
            actor_of(admin_id), "broadcast.launch", f"broadcast:{job.id}",
            {**composed.audience.as_json(), "total": total, "paid": paid, "photo": composed.photo is not None,
             "button_poll_id": composed.button_poll_id}, at=now)
        await self._session.commit()
        return await self.progress(job.id, now=now)

    async def pause(self, admin_id: int, broadcast_id: int) -> Progress | None:
        return await self._move(admin_id, broadcast_id, "broadcast.pause", {BroadcastState.SENDING},
                                BroadcastState.PAUSED)

    async def resume(self, admin_id: int, broadcast_id: int) -> Progress | None:
        return await self._move(admin_id, broadcast_id, "broadcast.resume", {BroadcastState.PAUSED},
                                BroadcastState.SENDING)

    async def cancel(self, admin_id: int, broadcast_id: int) -> Progress | None:
        return await self._move(admin_id, broadcast_id, "broadcast.cancel",
                                {BroadcastState.SENDING, BroadcastState.PAUSED}, BroadcastState.CANCELLED)

    async def _move(self, admin_id: int, broadcast_id: int, action: str, allowed: set[str],
                    target: BroadcastState) -> Progress | None:
        """None when the job is not in a state it can move from (e.g. done already)."""
        now = utcnow()
        state = await self._jobs.state_of(broadcast_id)
        if state not in allowed:
            return None
        await self._jobs.set_state(broadcast_id, target, at=now)
        await AuditLog(self._session).append(actor_of(admin_id), action, f"broadcast:{broadcast_id}",
                                             {"from": state, "to": target.value}, at=now)
        await self._session.commit()
        return await self.progress(broadcast_id, now=now)

    async def progress(self, broadcast_id: int, *, now: datetime | None = None) -> Progress | None:
        now = now or utcnow()
        job: Broadcast | None = await self._jobs.get(broadcast_id)
        if job is None:
            return None
        await self._session.refresh(job)
        counts = await self._jobs.counts(broadcast_id)
        recent = await self._jobs.sent_since(broadcast_id, now - RATE_WINDOW)
        window = RATE_WINDOW.total_seconds()
        if job.started_at is not None:
            window = min(window, max(1.0, (now - job.started_at).total_seconds()))
        return Progress(
            id=job.id, state=job.state, total=job.total, sent=counts.get(RecipientState.SENT, 0),
            failed=counts.get(RecipientState.FAILED, 0), blocked=counts.get(RecipientState.BLOCKED, 0),
            skipped=counts.get(RecipientState.SKIPPED, 0),
            left=counts.get(RecipientState.QUEUED, 0) + counts.get(RecipientState.SENDING, 0),
            rate=recent / window if job.state == BroadcastState.SENDING else 0.0, limit=job.rate,
            resent=job.resent, paid=job.paid, language=str(job.audience.get("language") or "ru"),
            chat_id=job.progress_chat_id, message_id=job.progress_message_id)

    async def set_announcements(self, telegram_id: int, wanted: bool) -> bool:
        """The resident's own choice (/settings); False when the account has not consented yet."""
        changed = await self._jobs.set_announcements(telegram_id, wanted)
        await self._session.commit()
        return changed

    async def takes_announcements(self, telegram_id: int) -> bool | None:
        return await self._jobs.takes_announcements(telegram_id)
