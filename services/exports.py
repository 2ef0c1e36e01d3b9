"""What the public may read of the votes: the polls, their publications, each house's published
numbers beside its address, and the export of a publication as CSV or JSON.

The CLI's `export results` and the results site both take the files from here, so their format
is defined once: a header (poll, publication, rules, their SHA-256, totals) and one row a house,
the fractions exact as "numerator/denominator". Drafts are nobody's business but the operator's:
they are not public.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from board.files import RESULT_COLUMNS
from counting.houses import Protocol
from counting.rules import CountingRules
from storage.models import Poll, PollState
from storage.publications import Publication
from storage.repositories import HouseRepository, PollRepository, ResultsRepository

#: a results file's columns, as the board's verifier reads them back (defined there: board/ is pure)
EXPORTED = RESULT_COLUMNS


@dataclass(frozen=True, slots=True)
class PublishedHouse:
    """A house's row of a publication with the house's address: what the export and the site show."""

    house_id: int
    unom: int
    address: str
    okrug: str
    district: str
    flats_total: int | None
    for_flats: int
    against_flats: int
    undecided_flats: int
    silent_flats: int
    effective_for: str  # exact, "numerator/denominator"
    effective_against: str
    base: str
    for_pct: float | None
    against_pct: float | None
    decision: str
    why: str
    count_decision: str | None

    def exported(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EXPORTED}


@dataclass(frozen=True, slots=True)
class PublishedResults:
    """One publication of a poll, every house in it. A publication never changes once made."""

    poll_id: int
    publication_id: int
    number: int
    published_at: datetime
    rules: dict
    rules_digest: str
    totals: dict
    houses: tuple[PublishedHouse, ...]

    @property
    def counting_rules(self) -> CountingRules:
        return CountingRules.from_canonical(self.rules)

    def header(self) -> dict[str, Any]:
        return {"poll": self.poll_id, "publication": self.number, "published_at": self.published_at.isoformat(),
                "rules": self.rules, "rules_sha256": self.rules_digest, "totals": self.totals}


def results_json(results: PublishedResults) -> str:
    return json.dumps({**results.header(), "houses": [h.exported() for h in results.houses]},
                      ensure_ascii=False, indent=1)


def results_csv(results: PublishedResults) -> str:
    """The header as JSON on a first line starting with "# ", then the houses under a header row."""
    buffer = io.StringIO()
    # keys sorted: PostgreSQL's JSONB gives the stored totals back in an order of its own, and the
    # checkpoint signs this file's SHA-256 as it was written at publication
    buffer.write(f"# {json.dumps(results.header(), ensure_ascii=False, sort_keys=True)}\n")
    writer = csv.DictWriter(buffer, fieldnames=EXPORTED, lineterminator="\n")
    writer.writeheader()
    writer.writerows(h.exported() for h in results.houses)
    return buffer.getvalue()


EXPORTS = {"csv": results_csv, "json": results_json}


@dataclass(frozen=True, slots=True)
class PublicPoll:
    """A poll as the public sees it, detached from the session, with its newest publication."""

    id: int
    title: str
    question: str
    state: str
    opens_at: datetime
    closes_at: datetime
    live_turnout: bool
    rules: dict
    rules_digest: str
    latest_number: int | None = None
    latest_at: datetime | None = None

    @classmethod
    def of(cls, poll: Poll, latest: Publication | None) -> PublicPoll:
        rules = PollRepository.counting_rules(poll)
        return cls(poll.id, poll.title, poll.question, poll.state, poll.opens_at, poll.closes_at,
                   poll.live_turnout, rules.canonical(), poll.rules_digest or rules.digest(),
                   latest.number if latest else None, latest.published_at if latest else None)

    def phase(self, now: datetime) -> str:
        """upcoming, open or ended: what a reader is told of the voting itself."""
        if self.state == PollState.CLOSED or self.closes_at <= now:
            return "ended"
        return "upcoming" if self.opens_at > now else "open"


@dataclass(frozen=True, slots=True)
class PublicHouse:
    id: int
    unom: int
    address: str
    okrug: str
    district: str


@dataclass(frozen=True, slots=True)
class MeetingDecision:
    """A general meeting's protocol for a house, as imported: it took precedence over the count."""

    included: bool
    held_on: date
    number: str


class PublicResults:
    """The reads of the results site and of the export; nothing here writes."""

    def __init__(self, session) -> None:
        self._session = session
        self._polls = PollRepository(session)
        self._results = ResultsRepository(session)

    async def polls(self) -> list[PublicPoll]:
        """Every poll but drafts, newest first."""
        return [PublicPoll.of(poll, await self._results.latest(poll.id)) for poll in await self._polls.list()
                if poll.state != PollState.DRAFT]

    async def poll(self, poll_id: int) -> tuple[PublicPoll, list[Publication]] | None:
        """A poll that is not a draft, with its publications, the newest last (two queries: every
        page of the site asks this first)."""
        poll = await self._polls.get(poll_id)
        if poll is None or poll.state == PollState.DRAFT:
            return None
        publications = list(await self._results.publications(poll_id))
        return PublicPoll.of(poll, publications[-1] if publications else None), publications

    async def publications(self, poll_id: int) -> Sequence[Publication]:
        return await self._results.publications(poll_id)

    async def publication(self, poll_id: int, number: int | None = None) -> Publication | None:
        """The poll's publication `number`, or its newest one; None if there is no such."""
        if number is None:
            return await self._results.latest(poll_id)
        return next((p for p in await self._results.publications(poll_id) if p.number == number), None)

    async def published(self, publication: Publication) -> PublishedResults:
        """A publication with every house's row and address, in the order of the houses' ids."""
        rows = tuple(PublishedHouse(*row) for row in await self._results.published_rows(publication.id))
        return PublishedResults(publication.poll_id, publication.id, publication.number, publication.published_at,
                                publication.rules, publication.rules_digest, publication.totals, rows)

    async def house(self, poll_id: int, unom: int) -> PublicHouse | None:
        """One of the poll's houses by its UNOM; None when it is not in the poll."""
        house = await HouseRepository(self._session).by_unom(unom)
        if house is None or not await self._polls.includes_house(poll_id, house.id):
            return None
        return PublicHouse(house.id, house.unom, house.address, house.okrug or "", house.district or "")

    async def houses(self, house_ids: Sequence[int]) -> list[PublicHouse]:
        """The houses with these ids, in that order (an address search's, before any publication)."""
        repository = HouseRepository(self._session)
        found = [await repository.get(house_id) for house_id in house_ids]
        return [PublicHouse(h.id, h.unom, h.address, h.okrug or "", h.district or "") for h in found if h is not None]

    async def meetings(self, poll_id: int) -> dict[int, MeetingDecision]:
        """The general meetings' protocols now on file for the poll's houses, by house id."""
        protocols: dict[int, Protocol] = await self._results.protocols(poll_id)
        return {house_id: MeetingDecision(p.included, p.held_on, p.number) for house_id, p in protocols.items()}

    async def turnout(self, poll_id: int, house_id: int) -> tuple[int, int]:
        """(ballots counted so far, ballots still being checked) for a house."""
        return await self._results.turnout(poll_id, house_id)
