"""The replayed 2017 vote written into a database as a finished poll, for the real counting path.

The houses (with their number of flats), a closed poll over them, every flat that voted, a
resident for each voter and each ballot as verification left it: counted, or rejected with a
reason. Rows go in by bulk inserts: 400,000 ballots take seconds, not an ORM's minutes.

The database need not be empty (the sandbox's holds a demo vote): flats are reused by house and
number, the replay's made-up residents by their account number, and every id comes from the
database, so nothing collides with rows written before or beside the load. It is written in short
transactions, a batch of houses each, so a bot on the same SQLite file keeps answering; the poll
stays a draft until the last one, so a load cut short is recognised and redone (`ensure_replay`).

A person's ballots for a flat on both channels are both written (a paper ballot has no account);
the count decides which counts and marks the other superseded. The made-up voters get an age band
and a gender of their own (drawn from their digest), so the statistics have something to show.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from board.checkpoint import Signer
from bot.demo.replay2017 import OPENED, VOTING_DAYS, ReplayHouse, replay
from storage.house_import import import_houses
from storage.pii import PiiVault
from storage.models import Ballot, BallotStatus, Flat, House, Poll, PollHouse, PollState, Resident
from storage.publications import MeetingProtocol
from storage.receipts import RECEIPT_ALPHABET, RECEIPT_LENGTH
from storage.repositories import HouseRepository, PollRepository
from storage.repositories.dialect import conflict_insert

CHUNK = 5_000  # rows a statement: SQLite takes at most 32,766 parameters
HOUSES_A_TRANSACTION = 50  # some 5,000 ballots: well under a second of SQLite's write lock
TELEGRAM_IDS = 7_000_000_000_000  # the replay's made-up accounts start here, far from real ones
TITLE = "Реновация 2017 (воспроизведение)"
QUESTION = "Включить дом в программу реновации?"
POLLS_APART = 100_000_000  # receipt numbers of one replay poll: more than its ballots


def receipt_code(number: int) -> str:
    """A receipt code of the stored shape, made from a number (the replay is deterministic)."""
    digits, base = [], len(RECEIPT_ALPHABET)
    value = number * 2_654_435_761 % base ** RECEIPT_LENGTH  # spread, still one to one
    for _ in range(RECEIPT_LENGTH):
        value, digit = divmod(value, base)
        digits.append(RECEIPT_ALPHABET[digit])
    return "".join(digits)


async def _bulk(session: AsyncSession, statement, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(statement, rows[start:start + CHUNK])


async def load_replay(sessions: async_sessionmaker[AsyncSession], houses_csv, houses: Iterable[ReplayHouse]) -> int:
    """Writes the replay into a migrated database as a poll of its own; returns the closed poll's id."""
    houses = list(houses)
    async with sessions.begin() as session:
        ids = dict((await session.execute(select(House.unom, House.id))).all())
        if any(h.official.unom not in ids for h in houses):
            await import_houses(session, houses_csv)
            ids = dict((await session.execute(select(House.unom, House.id))).all())
        mine = {ids[h.official.unom] for h in houses}
        everyone = await HouseRepository(session).count() == len(mine)
        poll = await PollRepository(session).create(
            title=TITLE, question=QUESTION, opens_at=OPENED, closes_at=OPENED + timedelta(days=VOTING_DAYS),
            house_ids=None if everyone else mine)
        poll_id = poll.id
    residents: dict[str, int] = {}  # person → number of the made-up account, in the replay's order
    for start in range(0, len(houses), HOUSES_A_TRANSACTION):
        ballots, protocols = _rows(poll_id, ids, houses[start:start + HOUSES_A_TRANSACTION], residents)
        flats_total = [{"id": ids[h.official.unom], "flats_total": h.flats_total}
                       for h in houses[start:start + HOUSES_A_TRANSACTION]]
        async with sessions.begin() as session:
            await session.execute(update(House), flats_total)
            await _write(session, ballots, protocols)
    async with sessions.begin() as session:
        polls = PollRepository(session)
        await polls.open(poll_id, now=OPENED)
        await polls.close(poll_id)
    return poll_id


def attributes_of(person: str) -> dict[str, str]:
    """A made-up voter's age band and gender, the same every time (older voters a little more
    often, as in 2017)."""
    digest = hashlib.sha256(f"replay-2017-attributes:{person}".encode()).digest()
    bands = ("18–24", "25–34", "35–44", "45–59", "45–59", "60–74", "60–74", "60–74", "75+")
    return {"age_band": bands[digest[0] % len(bands)], "gender": "f" if digest[1] % 100 < 56 else "m"}


def _rows(poll_id: int, ids: dict[int, int], houses: Sequence[ReplayHouse],
          residents: dict[str, int]) -> tuple[list[dict], list[dict]]:
    """A batch's ballots and protocols, worked out before its transaction takes the write lock:
    each ballot still names its flat as (house id, number) and its voter by account number."""
    ballots = []
    for house in houses:
        house_id = ids[house.official.unom]
        for replayed in house.ballots:
            ballot = replayed.ballot
            online = ballot.channel != "paper"
            ballots.append({
                "poll_id": poll_id, "house_id": house_id, "flat_id": (house_id, ballot.flat),
                # a paper ballot has no account
                "resident_id": residents.setdefault(ballot.person, len(residents) + 1) if online else None,
                "choice": "yes" if ballot.yes else "no",
                "receipt_code": receipt_code(poll_id * POLLS_APART + ballot.ballot_id),
                "status": BallotStatus.COUNTED if replayed.counted else BallotStatus.REJECTED,
                "reasons": [] if replayed.counted else ["passport.not_this_person"],
                "channel": ballot.channel, "person_hmac": hash_of(ballot.person),
                "created_at": ballot.cast_at, "updated_at": ballot.cast_at,
                "verified_at": ballot.cast_at + timedelta(days=2), **attributes_of(ballot.person),
            })
    protocols = [{"poll_id": poll_id, "house_id": ids[h.official.unom], "included": h.protocol.included,
                  "held_on": h.protocol.held_on, "number": h.protocol.number,
                  "imported_at": OPENED + timedelta(days=VOTING_DAYS)} for h in houses if h.protocol is not None]
    return ballots, protocols


async def _write(session: AsyncSession, ballots: list[dict], protocols: list[dict]) -> None:
    """The batch's flats and accounts found or added, then its ballots and protocols."""
    flat_ids = await _flats(session, {ballot["flat_id"] for ballot in ballots})
    numbers = [ballot["resident_id"] for ballot in ballots if ballot["resident_id"] is not None]
    resident_ids = await _residents(session, range(min(numbers, default=1), max(numbers, default=0) + 1))
    for ballot in ballots:
        number = ballot["resident_id"]
        ballot["flat_id"] = flat_ids[ballot["flat_id"]]
        ballot["resident_id"] = resident_ids[number] if number is not None else None
    await _bulk(session, insert(Ballot), ballots)
    await _bulk(session, insert(MeetingProtocol), protocols)


async def _flats(session: AsyncSession, wanted: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The ids of the flats (house id, number), adding those the database does not hold yet."""
    houses = sorted({house_id for house_id, _ in wanted})

    async def known() -> dict[tuple[int, str], int]:
        rows = await session.execute(select(Flat.house_id, Flat.number, Flat.id).where(Flat.house_id.in_(houses)))
        return {(house_id, number): flat_id for house_id, number, flat_id in rows}

    found = await known()
    missing = [{"house_id": house_id, "number": number} for house_id, number in sorted(wanted - found.keys())]
    if not missing:
        return found
    await _bulk(session, insert(Flat), missing)
    return await known()


async def _residents(session: AsyncSession, numbers: range) -> dict[int, int]:
    """The ids of the made-up accounts `numbers` (each TELEGRAM_IDS + n), adding those not there yet."""
    if not numbers:
        return {}
    statement = conflict_insert(session, Resident).on_conflict_do_nothing(index_elements=["telegram_id"])
    await _bulk(session, statement, [{"telegram_id": TELEGRAM_IDS + n, "language": "ru", "consent_at": OPENED}
                                     for n in numbers])
    rows = await session.execute(select(Resident.telegram_id, Resident.id).where(
        Resident.telegram_id.between(TELEGRAM_IDS + numbers.start, TELEGRAM_IDS + numbers.stop - 1)))
    return {telegram_id - TELEGRAM_IDS: resident_id for telegram_id, resident_id in rows}


def hash_of(person: str) -> str:
    """A person digest of the stored shape (64 hex digits) for a made-up voter."""
    return hashlib.sha256(f"replay-2017:{person}".encode()).hexdigest()


def is_replay(poll: Poll) -> bool:
    return poll.title == TITLE and poll.opens_at == OPENED


async def ensure_replay(sessions: async_sessionmaker[AsyncSession], houses_csv: Path, *,
                        vault: PiiVault | None = None, signer: Signer | None = None) -> tuple[int, bool]:
    """The replay in the database as a closed, published poll: (its id, whether this call wrote it).

    Once per database: a finished replay is only published if it was not yet; one cut short (a
    draft) is removed and written again. With the keys, the publication goes on the public board.
    """
    from services.board import BoardDesk
    from services.results import ResultsDesk

    async with sessions() as session:
        found = [p for p in await PollRepository(session).list() if is_replay(p)]
    finished = next((p for p in found if p.state == PollState.CLOSED), None)
    wrote = finished is None
    if finished is None:
        for unfinished in found:
            await _discard(sessions, unfinished.id)
        poll_id = await load_replay(sessions, houses_csv, replay(houses_csv))
    else:
        poll_id = finished.id
    async with sessions() as session:
        desk = ResultsDesk(session, BoardDesk(session, vault, signer) if vault and signer else None)
        if await desk.latest(poll_id) is None:
            await desk.publish(poll_id)
    return poll_id, wrote


async def _discard(sessions: async_sessionmaker[AsyncSession], poll_id: int) -> None:
    """A replay poll cut short, with its ballots and protocols (its flats and accounts are reused)."""
    async with sessions.begin() as session:
        for table in (Ballot, MeetingProtocol, PollHouse):
            await session.execute(delete(table).where(table.poll_id == poll_id))
        await session.execute(delete(Poll).where(Poll.id == poll_id))


async def published_replay(sessions: async_sessionmaker[AsyncSession]) -> int | None:
    """The id of the replay's poll once it is written and published; None before."""
    from services.results import ResultsDesk

    async with sessions() as session:
        for poll in await PollRepository(session).list():
            if is_replay(poll) and poll.state == PollState.CLOSED and await ResultsDesk(session).latest(poll.id):
                return poll.id
    return None
