"""What counting reads (counted ballots, houses' flats, protocols) and what it keeps (publications)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import starmap
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import BigInteger, and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from counting.ballots import CountedBallot, FlatVotes
from counting.houses import HouseResult, Protocol
from storage.models import Ballot, BallotStatus, Channel, Choice, House, Poll, PollHouse, Resident
from storage.publications import HouseResultRow, MeetingProtocol, Publication
from storage.database import json_text
from storage.repositories.dialect import BALLOTS_BY_POLL, among, driver_insert, driver_rows


@dataclass(frozen=True, slots=True)
class CountedSince:
    """The ballots a count reads, and the newest moment among them (a later one means news)."""

    ballots: list[CountedBallot]
    up_to: datetime | None


@dataclass(frozen=True, slots=True)
class CountedVotes:
    """A poll's counted ballots added up per flat by the database, the ballots of people who
    voted for a flat on two channels (for the rules to choose between), how many were read, and
    the newest moment among them."""

    flats: list[FlatVotes]
    doubles: list[CountedBallot]
    ballots: int
    up_to: datetime | None


@dataclass(frozen=True, slots=True)
class VoterHouse:
    """A voter's chat and a house they voted in, with the house's published result."""

    chat_id: int
    house_id: int
    address: str
    decision: str
    why: str
    for_pct: float | None


def _ballot_columns() -> tuple:
    """A ballot's columns as `CountedBallot` takes them (the moment only compared)."""
    return (Ballot.id, Ballot.house_id, Ballot.flat_id, Ballot.person_hmac, Ballot.choice == Choice.YES.value,
            Ballot.created_at, Ballot.channel)


class ResultsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counted_ballots(self, poll_id: int) -> CountedSince:
        """Every ballot of the poll that verification counted, as the count needs it."""
        # a flat by its id (no join); the moment only compared (a person's two channels), never
        # shown: SQLite's own text of it sorts as the moment does, and parsing 400,000 took most of
        # the read
        yes = Ballot.choice == Choice.YES.value  # true or false from the database, as CountedBallot.yes
        # PostgreSQL's moment as whole microseconds since 1970: the same order, and an integer is
        # several times quicker for the driver to hand over than a datetime
        cast_at = func.floor(func.extract("epoch", Ballot.created_at) * 1_000_000).cast(BigInteger)
        statement = select(Ballot.id, Ballot.house_id, Ballot.flat_id, Ballot.person_hmac, yes,
                           cast_at, Ballot.channel).where(
            Ballot.poll_id == poll_id, Ballot.status == BallotStatus.COUNTED)
        if self.session.bind.dialect.name == "sqlite":
            statement = text(
                "SELECT id, house_id, flat_id, person_hmac, choice = :yes, created_at, channel "
                f"FROM {BALLOTS_BY_POLL} WHERE poll_id = :poll AND status = :counted"
            ).bindparams(poll=poll_id, counted=BallotStatus.COUNTED.value, yes=Choice.YES.value)
        # each row made a CountedBallot by the class itself, as the driver gave it (no unpacking)
        ballots = list(starmap(CountedBallot, await driver_rows(self.session, statement)))
        newest = await self.session.scalar(select(func.max(Ballot.updated_at)).where(
            Ballot.poll_id == poll_id, Ballot.status == BallotStatus.COUNTED))  # by its own index
        return CountedSince(ballots, newest)

    async def counted_votes(self, poll_id: int) -> CountedVotes:
        """The count's reading, added up by the database: a flat's totals come in one row, not its
        ballots one by one (a count of 400,000 ballots reads 280,000 rows, and makes no object of
        most ballots). Only the flats where a person has ballots on two channels (fewer people
        than ballots) are read again ballot by ballot, for the rules to choose between them."""
        counted = Ballot.status == BallotStatus.COUNTED
        sqlite = self.session.bind.dialect.name == "sqlite"
        statement = (select(Ballot.house_id, Ballot.flat_id, func.count().filter(Ballot.choice == Choice.YES.value),
                            func.count(), func.count().filter(Ballot.channel == Channel.PAPER.value))
                     .where(Ballot.poll_id == poll_id, counted))
        # SQLite walks a flat's ballots in order by the (poll, flat, account) index with no sorting;
        # PostgreSQL wants the house, which a flat has one of, grouped by too
        statement = statement.group_by(Ballot.flat_id) if sqlite else statement.group_by(Ballot.house_id, Ballot.flat_id)
        if not sqlite:  # the flats' totals in memory, not in batches on disk (the default is 4 MB)
            await self.session.execute(text("SET LOCAL work_mem = '64MB'"))
        flats: list[FlatVotes] = await driver_rows(self.session, statement)  # each row as the driver made it
        doubled = [flat for _house, flat, _yes, ballots, paper in flats if 0 < paper < ballots]
        doubles: list[CountedBallot] = []
        if doubled:
            if sqlite:  # from the list of flats to each flat's ballots by the index (the planner, left
                # to itself, reads every counted ballot by the status index instead)
                ballots = text(
                    "SELECT b.id, b.house_id, b.flat_id, b.person_hmac, b.choice = :yes, b.created_at, b.channel "
                    "FROM json_each(:flats) AS doubled CROSS JOIN ballots AS b "
                    "ON b.poll_id = :poll AND b.flat_id = doubled.value WHERE b.status = :counted"
                ).bindparams(yes=Choice.YES.value, flats=json_text(doubled), poll=poll_id,
                             counted=BallotStatus.COUNTED.value)
            else:
                ballots = select(*_ballot_columns()).where(
                    Ballot.poll_id == poll_id, counted, among(self.session, Ballot.flat_id, doubled))
            found = list(starmap(CountedBallot, (await self.session.execute(ballots)).all()))
            people = Counter(ballot[2:4] for ballot in found)
            doubles = [ballot for ballot in found if people[ballot[2:4]] > 1]
        newest = await self.session.scalar(select(func.max(Ballot.updated_at)).where(
            Ballot.poll_id == poll_id, counted))  # by its own index
        return CountedVotes(flats, doubles, sum(row[3] for row in flats), newest)

    async def flats_total(self, poll: Poll) -> dict[int, int | None]:
        """Each of the poll's houses with its number of flats (None where it is not known)."""
        statement = select(House.id, House.flats_total)
        if not poll.all_houses:
            statement = statement.join(PollHouse, PollHouse.house_id == House.id).where(PollHouse.poll_id == poll.id)
        return dict((await self.session.execute(statement)).all())

    async def protocols(self, poll_id: int) -> dict[int, Protocol]:
        statement = select(MeetingProtocol).where(MeetingProtocol.poll_id == poll_id)
        return {p.house_id: Protocol(p.included, p.held_on, p.number) for p in await self.session.scalars(statement)}

    async def add_protocol(self, poll_id: int, house_id: int, *, included: bool, held_on: date,
                           number: str) -> None:
        """A meeting's protocol for a house; a second one for the same house replaces it. The caller commits."""
        existing = await self.session.scalar(select(MeetingProtocol).where(
            MeetingProtocol.poll_id == poll_id, MeetingProtocol.house_id == house_id))
        if existing is None:
            self.session.add(MeetingProtocol(poll_id=poll_id, house_id=house_id, included=included,
                                             held_on=held_on, number=number))
        else:
            existing.included, existing.held_on, existing.number = included, held_on, number
        await self.session.flush()

    async def latest(self, poll_id: int) -> Publication | None:
        statement = (select(Publication).where(Publication.poll_id == poll_id)
                     .order_by(Publication.number.desc()).limit(1))
        return await self.session.scalar(statement)

    async def publications(self, poll_id: int) -> Sequence[Publication]:
        statement = select(Publication).where(Publication.poll_id == poll_id).order_by(Publication.number)
        return list(await self.session.scalars(statement))

    async def publish(self, poll_id: int, *, rules: dict, rules_digest: str, totals: dict,
                      results: Sequence[HouseResult], up_to: datetime | None, at: datetime) -> Publication:
        """A new numbered publication with every house's result. The caller commits."""
        number = (await self.session.scalar(
            select(func.coalesce(func.max(Publication.number), 0)).where(Publication.poll_id == poll_id))) + 1
        publication = Publication(poll_id=poll_id, number=number, published_at=at, rules=rules,
                                  rules_digest=rules_digest, totals=totals, ballots_up_to=up_to)
        self.session.add(publication)
        await self.session.flush()
        # by the driver itself: the ORM's bulk insert spent most of a city's publication on parameters
        await driver_insert(self.session, HouseResultRow.__table__, RESULT_COLUMNS,
                            [_row(publication.id, result) for result in results])
        return publication

    async def house_result(self, publication_id: int, house_id: int) -> HouseResultRow | None:
        return await self.session.get(HouseResultRow, (publication_id, house_id))

    async def turnout(self, poll_id: int, house_id: int) -> tuple[int, int]:
        """(counted, pending) ballots of one house in a poll."""
        statement = (select(Ballot.status, func.count()).where(Ballot.poll_id == poll_id, Ballot.house_id == house_id)
                     .group_by(Ballot.status))
        by_status = dict((await self.session.execute(statement)).all())
        return by_status.get(BallotStatus.COUNTED, 0), by_status.get(BallotStatus.PENDING, 0)

    async def protocol(self, poll_id: int, house_id: int) -> Protocol | None:
        """The general meeting's protocol for one house in a poll, if one was imported."""
        found = await self.session.scalar(select(MeetingProtocol).where(
            MeetingProtocol.poll_id == poll_id, MeetingProtocol.house_id == house_id))
        return Protocol(found.included, found.held_on, found.number) if found is not None else None

    async def voters(self, poll_id: int, publication_id: int, *, accounts_below: int) -> list[VoterHouse]:
        """Each reachable resident with a ballot in the poll (whatever its status) and each house
        they voted in, once, with that house's result in the publication. Accounts from
        `accounts_below` up (made-up ones) are left out."""
        statement = (
            select(Resident.telegram_id, Ballot.house_id, House.address, HouseResultRow.decision,
                   HouseResultRow.why, HouseResultRow.for_pct)
            .select_from(Ballot)
            .join(Resident, Resident.id == Ballot.resident_id)
            .join(House, House.id == Ballot.house_id)
            .join(HouseResultRow, and_(HouseResultRow.publication_id == publication_id,
                                       HouseResultRow.house_id == Ballot.house_id))
            # `poll_id + 0`: the poll's own index would have the database read all its ballots
            # (400,000 for the 2017 replay, none of them a real account) before the accounts'
            .where((Ballot.poll_id + 0) == poll_id, Resident.unreachable_at.is_(None),
                   Resident.telegram_id < accounts_below)
            .distinct()
            .order_by(Resident.telegram_id, Ballot.house_id)
        )
        return [VoterHouse(*row) for row in await self.session.execute(statement)]

    async def published_rows(self, publication_id: int) -> list[tuple]:
        """Each house's row of a publication with its UNOM, address, okrug and district, in the
        order of the houses' ids: (house_id, unom, address, okrug, district, *RESULT_COLUMNS[2:])."""
        numbers = [getattr(HouseResultRow, name) for name in RESULT_COLUMNS[2:]]
        statement = (select(HouseResultRow.house_id, House.unom, House.address, func.coalesce(House.okrug, ""),
                            func.coalesce(House.district, ""), *numbers)
                     .join(House, House.id == HouseResultRow.house_id)
                     .where(HouseResultRow.publication_id == publication_id).order_by(HouseResultRow.house_id))
        return [tuple(row) for row in await self.session.execute(statement)]

    async def house_results(self, publication_id: int) -> Sequence[HouseResultRow]:
        statement = (select(HouseResultRow).where(HouseResultRow.publication_id == publication_id)
                     .order_by(HouseResultRow.house_id))
        return list(await self.session.scalars(statement))


def fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


RESULT_COLUMNS = ("publication_id", "house_id", "flats_total", "for_flats", "against_flats", "undecided_flats",
                  "silent_flats", "effective_for", "effective_against", "base", "for_pct", "against_pct",
                  "decision", "why", "count_decision")


def _row(publication_id: int, result: HouseResult) -> tuple:
    """A house's result as `RESULT_COLUMNS` lists them."""
    return (publication_id, result.house, result.flats_total, result.for_flats, result.against_flats,
            result.undecided_flats, result.silent_flats, fraction_text(result.effective_for),
            fraction_text(result.effective_against), fraction_text(result.base), result.for_pct,
            result.against_pct, result.decision.value, result.why.value,
            result.count_decision.value if result.count_decision is not None else None)
