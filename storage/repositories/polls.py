"""Polls: created as drafts by the operator, opened, closed; which houses take part; what the
poll's dashboard counts (ballots by status and channel, the verification backlog, turnout)."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from counting.rules import CountingRules
from storage.errors import PollNotFound, PollStateError
from storage.models import Ballot, BallotStatus, House, Poll, PollHouse, PollState, RegistryCheck
from storage.types import utcnow
from verification.levels import Levels

TITLE_MAX = 200


@dataclass(frozen=True, slots=True)
class PollFigures:
    """A poll's numbers as the dashboard shows them; no personal data."""

    by_status_and_channel: dict[tuple[str, str], int]  # (status, channel) → ballots
    backlog: int  # ballots waiting in registry_checks
    oldest_waiting_since: datetime | None  # when the oldest of them arrived for checking
    flats_voted: int  # flats with at least one ballot
    flats_counted: int  # flats with at least one counted ballot
    flats_total: int  # flats of the poll's houses whose size is known
    houses_without_size: int  # houses whose number of flats is not known


class PollRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self,
        *,
        title: str,
        question: str,
        opens_at: datetime,
        closes_at: datetime,
        levels: Levels | None = None,
        min_age: int = 18,
        verdict_days: int = 4,
        house_ids: Collection[int] | None = None,
        live_turnout: bool = False,
        description: str | None = None,
        title_en: str | None = None,
        question_en: str | None = None,
        description_en: str | None = None,
    ) -> Poll:
        """A new draft poll; `house_ids` None means every house, else exactly those houses;
        `live_turnout`: residents see their house's turnout (and the statistics' turnout) before
        the results are published. `description` and the `*_en` texts are optional (empty: none).

        Datetimes must be timezone-aware; raises ValueError naming what is wrong (empty
        title or question, window closing before it opens, an empty house list, ages or
        days out of range). The caller commits.
        """
        title, question = title.strip(), question.strip()
        if not title or len(title) > TITLE_MAX:
            raise ValueError(f"the title must be 1 to {TITLE_MAX} characters")
        if not question:
            raise ValueError("the question is empty")
        for name, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError(f"{name} needs a time zone")
        if closes_at <= opens_at:
            raise ValueError("the poll must close after it opens")
        if not 14 <= min_age <= 120:
            raise ValueError("the minimum age must be between 14 and 120")
        if not 1 <= verdict_days <= 60:
            raise ValueError("the verdict must be due within 1 to 60 working days")
        if house_ids is not None and not house_ids:
            raise ValueError("a poll for listed houses needs at least one house")
        levels = levels or Levels()
        poll = Poll(
            title=title,
            question=question,
            opens_at=opens_at,
            closes_at=closes_at,
            identity_level=levels.identity,
            apartment_level=levels.apartment,
            min_age=min_age,
            verdict_days=verdict_days,
            state=PollState.DRAFT,
            all_houses=house_ids is None,
            live_turnout=live_turnout,
            description=_optional(description),
            title_en=_optional(title_en),
            question_en=_optional(question_en),
            description_en=_optional(description_en),
        )
        if poll.title_en is not None and len(poll.title_en) > TITLE_MAX:
            raise ValueError(f"the English title must be at most {TITLE_MAX} characters")
        self.session.add(poll)
        await self.session.flush()
        if house_ids is not None:
            self.session.add_all(PollHouse(poll_id=poll.id, house_id=i) for i in set(house_ids))
            await self.session.flush()
        return poll

    async def get(self, poll_id: int) -> Poll | None:
        return await self.session.get(Poll, poll_id)

    async def list(self) -> Sequence[Poll]:
        """Every poll, newest first."""
        return list(await self.session.scalars(select(Poll).order_by(Poll.id.desc())))

    async def open(self, poll_id: int, *, now: datetime | None = None) -> Poll:
        """Opens a draft poll (opening an open one changes nothing).

        Raises PollNotFound, or PollStateError for a closed poll (closing is final) or one
        whose closing time has passed. The caller commits.
        """
        poll = await self._require(poll_id)
        if poll.state == PollState.CLOSED:
            raise PollStateError(f"poll {poll_id} is closed; a closed poll is not reopened")
        if poll.closes_at <= (now or utcnow()):
            raise PollStateError(f"poll {poll_id} closed on {poll.closes_at:%Y-%m-%d %H:%M} UTC")
        if poll.rules_digest is None:  # the counting rules are frozen as the poll opens
            rules = CountingRules.from_canonical(poll.counting_rules or {})
            poll.counting_rules, poll.rules_digest = rules.canonical(), rules.digest()
        poll.state = PollState.OPEN
        await self.session.flush()
        return poll

    async def set_counting_rules(self, poll_id: int, rules: CountingRules) -> Poll:
        """The rules a draft poll will be counted by. Raises PollStateError once they are frozen
        (the poll opened): changing them afterwards would change the result. The caller commits."""
        poll = await self._require(poll_id)
        if poll.rules_digest is not None or poll.state != PollState.DRAFT:
            raise PollStateError(f"poll {poll_id}'s counting rules are frozen since it opened")
        poll.counting_rules = rules.canonical()
        await self.session.flush()
        return poll

    @staticmethod
    def counting_rules(poll: Poll) -> CountingRules:
        """The rules a poll is counted by: frozen ones once open, else what it would open with."""
        return CountingRules.from_canonical(poll.counting_rules or {})

    async def close(self, poll_id: int) -> Poll:
        """Closes a poll for good (a draft too, which cancels it). The caller commits."""
        poll = await self._require(poll_id)
        poll.state = PollState.CLOSED
        await self.session.flush()
        return poll

    async def open_polls(self, now: datetime) -> Sequence[Poll]:
        """Polls taking ballots at `now`: open, and `opens_at <= now < closes_at`."""
        statement = (
            select(Poll)
            .where(Poll.state == PollState.OPEN, Poll.opens_at <= now, Poll.closes_at > now)
            .order_by(Poll.closes_at, Poll.id)
        )
        return list(await self.session.scalars(statement))

    async def includes_house(self, poll_id: int, house_id: int) -> bool:
        """Whether a house takes part in a poll (False for an unknown poll or house)."""
        poll = await self.session.get(Poll, poll_id)
        if poll is None:
            return False
        if poll.all_houses:
            return await self.session.get(House, house_id) is not None
        statement = select(PollHouse).where(PollHouse.poll_id == poll_id, PollHouse.house_id == house_id)
        return (await self.session.execute(statement)).first() is not None

    async def house_count(self, poll: Poll) -> int:
        """How many houses take part in `poll`."""
        if poll.all_houses:
            statement = select(func.count()).select_from(House)
        else:
            statement = select(func.count()).select_from(PollHouse).where(PollHouse.poll_id == poll.id)
        return (await self.session.execute(statement)).scalar_one()

    async def areas(self) -> list[tuple[str, str, int]]:
        """(okrug, district, houses) of every district that has houses, by okrug and district."""
        statement = (select(House.okrug, House.district, func.count()).group_by(House.okrug, House.district)
                     .order_by(House.okrug, House.district))
        return [(okrug or "", district or "", number) for okrug, district, number in await self.session.execute(statement)]

    async def house_ids_in(self, *, okrug: str | None = None, district: str | None = None) -> list[int]:
        """The houses of an okrug, or of a district (of that okrug, when both are given)."""
        statement = select(House.id).order_by(House.id)
        if okrug is not None:
            statement = statement.where(House.okrug == okrug)
        if district is not None:
            statement = statement.where(House.district == district)
        return list(await self.session.scalars(statement))

    async def figures(self, poll: Poll) -> PollFigures:
        """What the poll's dashboard shows, read now."""
        of_poll = Ballot.poll_id == poll.id
        by = {(status, channel): number for status, channel, number in await self.session.execute(
            select(Ballot.status, Ballot.channel, func.count()).where(of_poll).group_by(Ballot.status, Ballot.channel))}
        backlog, oldest = (await self.session.execute(
            select(func.count(), func.min(Ballot.updated_at)).select_from(RegistryCheck)
            .join(Ballot, Ballot.id == RegistryCheck.ballot_id).where(of_poll))).one()
        voted = await self.session.scalar(select(func.count(distinct(Ballot.flat_id))).where(of_poll))
        counted = await self.session.scalar(select(func.count(distinct(Ballot.flat_id))).where(
            of_poll, Ballot.status == BallotStatus.COUNTED))
        sizes = select(func.coalesce(func.sum(House.flats_total), 0),
                       func.count().filter(House.flats_total.is_(None)))
        if not poll.all_houses:
            sizes = sizes.join(PollHouse, PollHouse.house_id == House.id).where(PollHouse.poll_id == poll.id)
        flats_total, unsized = (await self.session.execute(sizes.select_from(House))).one()
        return PollFigures(by, backlog, oldest, voted or 0, counted or 0, int(flats_total or 0), unsized or 0)

    async def _require(self, poll_id: int) -> Poll:
        poll = await self.session.get(Poll, poll_id, with_for_update=True)
        if poll is None:
            raise PollNotFound(poll_id)
        return poll


def _optional(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None
