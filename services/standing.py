"""Where each house a resident voted in stands: its turnout before the results, its result after.

`/results` asks for the houses of the resident's receipts (a house once per poll, however many
of its flats they voted for); each one's standing is the newest publication's result for it,
or — while none is published — its turnout where the poll shows turnout live, else only when the
results will come.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from fractions import Fraction

from counting.houses import Decision, Protocol, Why
from counting.rules import CountingRules
from services.ballots import Receipt
from services.charts import HouseBar
from services.result_words import BY_THRESHOLD
from services.results import ResultsDesk, bar_of, closed
from storage.publications import HouseResultRow
from storage.repositories import PollRepository, ResultsRepository


@dataclass(frozen=True, slots=True)
class Published:
    """A house's result in the poll's newest publication, with what explains it."""

    number: int
    at: datetime
    row: HouseResultRow
    threshold: Fraction  # of the rules the publication was counted by
    protocol: Protocol | None = None  # the general meeting's, where one decided

    @property
    def effective_for(self) -> Fraction:
        """The flats for with the silent flats' share for."""
        return Fraction(self.row.effective_for)

    @property
    def silent_for(self) -> Fraction:
        return self.effective_for - self.row.for_flats

    @property
    def silent_against(self) -> Fraction:
        return Fraction(self.row.effective_against) - self.row.against_flats

    @property
    def base(self) -> Fraction:
        """All the house's flats, as the rules count them."""
        return Fraction(self.row.base)

    @property
    def threshold_text(self) -> str:
        return f"{self.threshold.numerator}/{self.threshold.denominator}"

    @property
    def limit(self) -> Fraction:
        """threshold × all flats: what the flats for must exceed."""
        return self.threshold * self.base

    @property
    def counted_by_threshold(self) -> Decision | None:
        """What the online count decided by the formula (also under a protocol), if it could."""
        counted = self.row.count_decision if self.row.why == Why.PROTOCOL else self.row.decision
        return Decision(counted) if counted in BY_THRESHOLD else None

    @property
    def bar(self) -> HouseBar:
        return bar_of(self.row, self.threshold)


@dataclass(frozen=True, slots=True)
class HouseStanding:
    poll_id: int
    poll_title: str
    house_id: int
    address: str
    closes_at: datetime
    closed: bool
    receipts: tuple[Receipt, ...]
    published: Published | None = None
    turnout: tuple[int, int] | None = None  # (counted, being checked), before publication, if shown live


class Standings:
    def __init__(self, session) -> None:
        self._polls = PollRepository(session)
        self._desk = ResultsDesk(session)
        self._results = ResultsRepository(session)

    async def of(self, receipts: list[Receipt], *, now: datetime | None = None) -> list[HouseStanding]:
        """One standing per poll and house of the receipts, in the order the receipts come."""
        now = now or datetime.now(timezone.utc)
        houses: dict[tuple[int, int], list[Receipt]] = {}
        for receipt in receipts:
            houses.setdefault((receipt.poll_id, receipt.house_id), []).append(receipt)
        standings = []
        for (poll_id, house_id), mine in houses.items():
            poll = await self._polls.get(poll_id)
            if poll is None:
                continue
            published = await self._published(poll_id, house_id)
            turnout = None
            if published is None and poll.live_turnout:
                turnout = await self._desk.turnout(poll_id, house_id)
            standings.append(HouseStanding(poll_id, poll.title, house_id, mine[0].address, poll.closes_at,
                                           closed(poll, now), tuple(mine), published, turnout))
        return standings

    async def _published(self, poll_id: int, house_id: int) -> Published | None:
        found = await self._desk.house_result(poll_id, house_id)
        if found is None:
            return None
        publication, row = found
        threshold = CountingRules.from_canonical(publication.rules).threshold
        protocol = await self._results.protocol(poll_id, house_id) if row.why == Why.PROTOCOL else None
        return Published(publication.number, publication.published_at, row, threshold, protocol)
