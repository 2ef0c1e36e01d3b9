"""Which votes a resident can take part in right now.

Almost every update of the dialogue needs its poll (title, question, levels, minimum age), and
polls change rarely (an operator opens or closes one), so each process keeps what it read — every
poll, and the list behind the menu — for a few seconds, per database, as immutable snapshots (the
ORM rows must not outlive their session). A stale snapshot never lets a ballot into a closed poll:
storage reads the poll's state afresh when it casts or changes a ballot. A poll created, opened or
closed in this process is seen at once (`forget_polls`); in another process within FRESH_FOR.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from weakref import WeakKeyDictionary

from storage.models import Poll, PollState
from storage.repositories import PollRepository
from verification.levels import Levels

FRESH_FOR = 5.0  # seconds a poll read from the database is trusted for display and flow


@dataclass(frozen=True, slots=True)
class PollSnapshot:
    """What the dialogue reads of a poll, detached from any database session."""

    id: int
    title: str
    question: str
    opens_at: datetime
    closes_at: datetime
    state: str
    identity_level: int
    apartment_level: int
    min_age: int
    verdict_days: int
    all_houses: bool
    description: str | None = None
    title_en: str | None = None
    question_en: str | None = None
    description_en: str | None = None

    @classmethod
    def of(cls, poll: Poll) -> PollSnapshot:
        return cls(poll.id, poll.title, poll.question, poll.opens_at, poll.closes_at, poll.state,
                   poll.identity_level, poll.apartment_level, poll.min_age, poll.verdict_days,
                   poll.all_houses, poll.description, poll.title_en, poll.question_en, poll.description_en)

    def title_in(self, language: str) -> str:
        """The title in the resident's language: English where the poll has one, else Russian."""
        return (self.title_en if language == "en" else None) or self.title

    def question_in(self, language: str) -> str:
        return (self.question_en if language == "en" else None) or self.question

    def description_in(self, language: str) -> str | None:
        return (self.description_en if language == "en" else None) or self.description

    @property
    def levels(self) -> Levels:
        return Poll.levels_of(self.identity_level, self.apartment_level)

    def accepts_ballots_at(self, moment: datetime) -> bool:
        return self.state == PollState.OPEN and self.opens_at <= moment < self.closes_at


def accepts_ballots(poll, now: datetime | None = None) -> bool:
    return poll.accepts_ballots_at(now or datetime.now(timezone.utc))


@dataclass
class _Remembered:
    """The polls one database gave this process lately, each with the moment it goes stale."""

    polls: dict[int, tuple[float, PollSnapshot]] = field(default_factory=dict)
    listing: tuple[float, list[PollSnapshot]] | None = None


# per database (engine): each test, benchmark run or process has its own polls under the same ids
_remembered: WeakKeyDictionary[object, _Remembered] = WeakKeyDictionary()


def forget_polls(session) -> None:
    """Drops what this process remembers of the session's database's polls: the next read is fresh."""
    engine = getattr(session.bind, "sync_engine", None)
    if engine is not None:
        _remembered.pop(engine, None)


class PollBoard:
    def __init__(self, session) -> None:
        self._polls = PollRepository(session)
        engine = getattr(session.bind, "sync_engine", None)
        # a session without an engine of its own keeps nothing beyond this board
        self._known = _remembered.setdefault(engine, _Remembered()) if engine is not None else _Remembered()

    async def menu(self, now: datetime | None = None) -> tuple[list[PollSnapshot], list[PollSnapshot]]:
        """Votes open now, and votes announced but not open yet."""
        now = now or datetime.now(timezone.utc)
        listing = self._known.listing
        if listing is not None and listing[0] > time.monotonic():
            polls = listing[1]
        else:
            polls = [self._remember(p) for p in await self._polls.list()]
            self._known.listing = (time.monotonic() + FRESH_FOR, polls)
        open_now = [p for p in polls if p.accepts_ballots_at(now)]
        upcoming = [p for p in polls if p.state != PollState.CLOSED and p.opens_at > now]
        return open_now, upcoming

    async def get(self, poll_id: int) -> PollSnapshot | None:
        known = self._known.polls.get(poll_id)
        if known is not None and known[0] > time.monotonic():
            return known[1]
        poll = await self._polls.get(poll_id)
        return self._remember(poll) if poll is not None else None

    def _remember(self, poll: Poll) -> PollSnapshot:
        snapshot = PollSnapshot.of(poll)
        self._known.polls[snapshot.id] = (time.monotonic() + FRESH_FOR, snapshot)
        return snapshot
