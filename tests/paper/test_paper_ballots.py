"""Paper ballots from the service centres: imported from a CSV with bad rows reported by line,
verified by the same workers as the bot's, and — when one person voted for a flat both in the bot
and on paper — one of the two counts (the later, by default) and the other is marked superseded."""
from __future__ import annotations

import asyncio
import csv
from datetime import datetime, timedelta

from sqlalchemy import select, update

from board.checkpoint import Signer, open_note
from board.merkle import leaf_hash, verify_inclusion
from services.board import BoardDesk, Standing
from services.paper import PaperDesk, cast_moment
from services.results import ResultsDesk
from storage.csv_file import csv_rows
from storage.models import Ballot, BallotEvent, BallotStatus, Channel, EventKind, House
from storage.pii import PiiVault
from storage.repositories import PollRepository
from tests.plugins.verifying import vote_as
from verification.calendar import MOSCOW

FIELDS = ("flat", "full_name", "birth_date", "passport", "snils", "fls", "property_document")


def counted_owners(summary) -> list[dict[str, str]]:
    return [r for r in summary.residents if r["levels"] == "identity=3,apartment=2" and r["outcome"] == "counted"]


def paper_csv(path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=["unom", "choice", "cast_at", *FIELDS], delimiter=";")
        writer.writeheader()
        writer.writerows(rows)


def row(resident: dict[str, str], choice: str, at: datetime, **changes: str) -> dict[str, str]:
    return {"unom": resident["unom"], "choice": choice, "cast_at": f"{at.astimezone(MOSCOW):%d.%m.%Y %H:%M:%S}",
            **{name: resident[name] for name in FIELDS}, **changes}


async def statuses(sessions, poll_id: int) -> dict[str, str]:
    async with sessions() as session:
        return dict((await session.execute(select(Ballot.receipt_code, Ballot.status)
                                           .where(Ballot.poll_id == poll_id))).all())


async def wait_until_checked(sessions, poll_id: int, receipts: list[str], timeout: float = 30) -> dict[str, str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        now = await statuses(sessions, poll_id)
        if all(now.get(code) not in (None, BallotStatus.PENDING) for code in receipts) or loop.time() > deadline:
            return now
        await asyncio.sleep(0.2)


async def test_paper_ballots_are_verified_and_the_later_of_two_channels_counts(verifying, tmp_path, pii_keys):
    stand, summary = verifying
    anna, boris = counted_owners(summary)[:2]
    user = stand.client.user(1701, "Анна")
    online_code = await vote_as(user, anna)  # YES in the bot
    await user.wait_for("✅ Ваш голос по дому", timeout=20)

    await asyncio.sleep(1.1)  # the paper ballot is cast later, to the second
    later = datetime.now(MOSCOW)
    rejected = next(r for r in summary.residents if r["levels"] == "identity=3,apartment=2"
                    and r["outcome"] == "rejected")
    path = tmp_path / "centre.csv"
    paper_csv(path, [
        row(anna, "нет", later),                                   # line 2: the same person, later, on paper
        row(boris, "да", later),                                   # line 3
        row(boris, "да", later),                                   # line 4: the same paper ballot again
        row(boris, "может быть", later),                           # line 5
        row(boris, "да", later, passport="12"),                    # line 6
        row(boris, "да", later, unom="987654321"),                        # line 7
        row(boris, "да", later, cast_at="01.01.2001 10:00"),       # line 8: before the vote opened
        row(rejected, "да", later),                                # line 9: the registries will refuse it
        row(boris, "да", later + timedelta(hours=1)),              # line 10: not yet
    ])
    vault = PiiVault(bytes.fromhex(pii_keys["pii_hmac_key"]), bytes.fromhex(pii_keys["pii_encryption_key"]))
    async with stand.sessions() as session:
        done = await PaperDesk(session, vault).import_rows(stand.poll_id, csv_rows(path, ("unom",), ValueError))
    assert [line for line, _ in done.receipts] == [2, 3, 9]
    assert [problem.split(":")[0] for problem in done.refused] == [f"line {n}" for n in (4, 5, 6, 7, 8, 10)]
    assert "already has a paper ballot for this flat" in done.refused[0]
    assert "choice must be yes or no" in done.refused[1]
    assert done.refused[2].startswith("line 6: passport:")
    assert "not a known house" in done.refused[3] and "outside the poll's voting time" in done.refused[4]
    assert done.refused[5].endswith("is in the future")

    paper = [code for _, code in done.receipts]
    checked = await wait_until_checked(stand.sessions, stand.poll_id, paper)
    assert [checked[code] for code in paper] == ["counted", "counted", "rejected"]
    async with stand.sessions() as session:
        channels = dict((await session.execute(select(Ballot.receipt_code, Ballot.channel))).all())
        accounts = dict((await session.execute(select(Ballot.receipt_code, Ballot.resident_id))).all())
    assert {channels[code] for code in paper} == {Channel.PAPER}
    assert {accounts[code] for code in paper} == {None} and accounts[online_code] is not None

    async with stand.sessions.begin() as session:
        await session.execute(update(House).where(House.unom.in_([int(anna["unom"]), int(boris["unom"])]))
                              .values(flats_total=4))
        await PollRepository(session).close(stand.poll_id)
    signer = Signer("test.local", bytes.fromhex(pii_keys["board_signing_key"]))
    async with stand.sessions() as session:
        publication, _ = await ResultsDesk(session, BoardDesk(session, vault, signer)).publish(stand.poll_id)
    assert publication.totals["ballots_counted"] == 2 and publication.totals["ballots_superseded"] == 1
    async with stand.sessions() as session:
        unom_of = dict((await session.execute(select(House.id, House.unom))).all())
        results = {unom_of[r.house_id]: r for r in await ResultsDesk(session).house_results(publication.id)}
        superseded = (await session.execute(
            select(Ballot.receipt_code, BallotEvent.detail).join(BallotEvent, BallotEvent.ballot_id == Ballot.id)
            .where(BallotEvent.kind == EventKind.SUPERSEDED))).all()
    anna_house = results[int(anna["unom"])]
    assert (anna_house.for_flats, anna_house.against_flats) == ((1, 0) if anna["unom"] == boris["unom"] else (0, 1))
    assert [code for code, _ in superseded] == [online_code]
    assert superseded[0][1]["by_channel"] == Channel.PAPER
    # on the public board: the two counted paper ballots; the bot's ballot is superseded, never a row
    async with stand.sessions() as session:
        board = BoardDesk(session)
        looked = {code: await board.lookup(stand.poll_id, code) for code in [online_code, *paper, "ZZZZZZZZZZ"]}
    assert [looked[code].standing for code in looked] == [
        Standing.SUPERSEDED, Standing.ON_BOARD, Standing.ON_BOARD, Standing.REJECTED, Standing.UNKNOWN]
    assert looked[online_code].by_channel == Channel.PAPER
    proof = looked[paper[0]].proof
    checkpoint = open_note(proof.note, signer.vkey)
    verify_inclusion(proof.index, proof.size, leaf_hash(proof.row.leaf()), proof.path, checkpoint.root)
    assert (proof.row.choice, proof.row.channel, proof.row.unom, proof.size) == ("no", "paper", int(anna["unom"]), 2)
    # publishing again changes nothing and marks nothing twice
    async with stand.sessions() as session:
        _, new = await ResultsDesk(session).publish(stand.poll_id)
    assert not new


def test_a_paper_ballots_moment_is_moscow_time_unless_it_says_otherwise():
    assert cast_moment("21.05.2017 14:30") == datetime(2017, 5, 21, 14, 30, tzinfo=MOSCOW)
    assert cast_moment("2017-05-21T14:30:00+00:00").utcoffset() == timedelta(0)
    assert cast_moment("21.05.2017").hour == 0
