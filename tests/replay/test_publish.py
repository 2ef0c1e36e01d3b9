"""Counting through the database: rules frozen at opening, publications numbered and never
rewritten, and the replayed 2017 vote counted from stored ballots on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select, update

from board.audit import verify_board
from board.checkpoint import Signer
from board.files import write_board
from bot.cli import main
from bot.demo import HOUSES_CSV
from bot.demo.replay2017 import OFFICIAL, replay
from bot.demo.replay_database import load_replay
from counting.rules import CountingRules, SilentFlats
from services.board import BoardDesk
from services.results import NotClosed, ResultsDesk
from storage.errors import PollStateError
from storage.models import Ballot, BallotStatus, House
from storage.repositories import PollRepository

SPECIAL = {31676, 31677, 31683, 78100}


@pytest.fixture(scope="module")
def sample_csv(tmp_path_factory) -> tuple:
    """Some 300 of the 2017 houses: every one decided otherwise, every one with a protocol, and more."""
    with HOUSES_CSV.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    chosen = [r for i, r in enumerate(rows)
              if int(r["unom"]) in SPECIAL or r["general_meeting_protocol"] == "1" or i % 25 == 0]
    path = tmp_path_factory.mktemp("replay") / "houses.csv"
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(chosen)
    return path, list(replay(path))


async def test_the_replay_counted_from_the_database_gives_the_published_results(sessions, sample_csv, vault,
                                                                              tmp_path):
    path, houses = sample_csv
    poll_id = await load_replay(sessions, path, houses)
    signer = Signer("test.local", b"\x07" * 32)
    async with sessions() as session:
        publication, new = await ResultsDesk(session, BoardDesk(session, vault, signer)).publish(poll_id)
    assert new and publication.number == 1
    async with sessions() as session:
        unoms = dict((await session.execute(select(House.id, House.unom))).all())
        rows = {unoms[r.house_id]: r for r in await ResultsDesk(session).house_results(publication.id)}
    assert len(rows) == len(houses) > 250
    for house in houses:
        row, official = rows[house.official.unom], house.official
        assert row.decision == OFFICIAL[official.status], official
        if official.status != "special":
            assert round(row.for_pct) == official.for_pct, official
    assert sum(1 for r in rows.values() if r.why == "protocol") == sum(1 for h in houses if h.protocol)
    assert publication.totals["ballots_counted"] == sum(1 for h in houses for b in h.ballots if b.counted) - \
        _superseded_pairs(houses)
    # the public board holds every ballot that counts, and recomputes to every house's decision
    async with sessions() as session:
        data = await BoardDesk(session).open_data(poll_id)
    assert len(data.rows) == publication.totals["ballots_counted"] == publication.board_size
    write_board(tmp_path / "board", vkey=data.vkey, rules_json=data.rules_json, rows=data.rows,
                checkpoints=data.checkpoints, results=data.results)
    report = verify_board(tmp_path / "board")
    assert report.ok, report.findings
    assert report.checked.houses == len(houses)


def _superseded_pairs(houses) -> int:
    """Ballots the database does not hold: a person's earlier ballot on the other channel."""
    seen, doubled = set(), 0
    for house in houses:
        for replayed in house.ballots:
            key = (house.official.unom, replayed.ballot.flat, replayed.ballot.person)
            doubled += key in seen
            seen.add(key)
    return doubled


async def test_rules_are_frozen_when_the_poll_opens(sessions, scene):
    now = scene.now
    async with sessions.begin() as session:
        polls = PollRepository(session)
        poll = await polls.create(title="Двор", question="Сделать парковку?", opens_at=now,
                                  closes_at=now + timedelta(days=3))
        ignored = CountingRules(silent=SilentFlats.IGNORED)
        await polls.set_counting_rules(poll.id, ignored)
        opened = await polls.open(poll.id, now=now)
        assert opened.rules_digest == ignored.digest()
        assert PollRepository.counting_rules(opened) == ignored
        with pytest.raises(PollStateError, match="frozen"):
            await polls.set_counting_rules(poll.id, CountingRules())
    # a poll opened without rules of its own is frozen with the defaults (326-ПП)
    assert scene.poll.rules_digest == CountingRules().digest()


async def test_publishing_waits_for_the_close_and_never_rewrites(sessions, scene, vault, voter_cast):
    """A published result stays; verdicts that come later make publication 2."""
    ballot_id = await voter_cast()
    async with sessions() as session:
        with pytest.raises(NotClosed, match="results are published after it closes"):
            await ResultsDesk(session).publish(scene.poll.id, now=scene.now)
    async with sessions.begin() as session:
        await PollRepository(session).close(scene.poll.id)
    async with sessions() as session:
        first, new = await ResultsDesk(session).publish(scene.poll.id, now=scene.now)
    assert new and first.number == 1 and first.totals["ballots_counted"] == 0
    async with sessions() as session:
        again, new = await ResultsDesk(session).publish(scene.poll.id, now=scene.now)
    assert not new and again.id == first.id
    later = scene.now + timedelta(days=2)
    async with sessions.begin() as session:
        await session.execute(update(Ballot).where(Ballot.id == ballot_id)
                              .values(status=BallotStatus.COUNTED, updated_at=later))
    async with sessions() as session:
        second, new = await ResultsDesk(session).publish(scene.poll.id, now=later)
        kept = await ResultsDesk(session).publications(scene.poll.id)
    assert new and second.number == 2 and second.totals["ballots_counted"] == 1
    assert [p.number for p in kept] == [1, 2] and kept[0].totals["ballots_counted"] == 0


@pytest.fixture
def voter_cast(sessions, scene, vault):
    from tests.plugins.database import Voter
    from storage.repositories import BallotRepository

    async def cast() -> int:
        async with sessions.begin() as session:
            ballot = await BallotRepository(session).cast(
                poll=scene.poll, house=scene.house, flat_number="12", resident=scene.resident, choice="yes",
                at=scene.now, **Voter().cast_arguments(vault))
            return ballot.id
    return cast


async def test_the_commands_count_publish_and_export_what_recomputes(tmp_path, sample_csv, monkeypatch, capsys,
                                                                     pii_keys):
    from storage.database import create_engine, create_session_factory
    from storage.migrate import upgrade

    path, houses = sample_csv
    url = f"sqlite+aiosqlite:///{tmp_path / 'vote.sqlite3'}"
    await upgrade(url)
    engine = create_engine(url)
    poll_id = await load_replay(create_session_factory(engine), path, houses)
    await engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    for name, value in pii_keys.items():
        monkeypatch.setenv(name.upper(), value)
    assert await _command(["count", str(poll_id)]) == 0
    assert "closest to the threshold" in capsys.readouterr().out
    assert await _command(["publish", str(poll_id)]) == 0
    assert "published publication 1" in capsys.readouterr().out
    assert await _command(["publish", str(poll_id)]) == 0
    assert "nothing new since" in capsys.readouterr().out
    assert await _command(["export", "results", str(poll_id), "--format", "csv"]) == 0
    exported = capsys.readouterr().out
    header, body = exported.split("\n", 1)
    meta = json.loads(header.removeprefix("# "))
    rules = CountingRules.from_canonical(meta["rules"])
    assert rules.digest() == meta["rules_sha256"]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == len(houses)
    for row in rows:  # the published numbers recompute to the published decisions
        if row["why"] == "protocol" or row["decision"] == "no_decision":
            continue
        over = Fraction(row["effective_for"]) > rules.threshold * Fraction(row["base"])
        assert row["decision"] == ("included" if over else "excluded"), row
    assert await _command(["export", "results", str(poll_id), "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["houses"]) == len(houses)
    # the public board: every counted ballot a row, and the stand-alone verifier recomputes every house
    assert await _command(["export", "board", str(poll_id), str(tmp_path / "board")]) == 0
    capsys.readouterr()
    assert await _command(["verify-board", str(tmp_path / "board")]) == 0
    verified = capsys.readouterr().out
    assert f"{len(houses):,} houses" in verified, verified
    rows = (tmp_path / "board" / "rows.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) - 1 == meta["totals"]["ballots_counted"]


async def _command(argv: list[str]) -> int:
    """The CLI's main runs its own event loop: give it a thread of its own."""
    import asyncio

    return await asyncio.to_thread(main, argv)


def test_publishing_an_open_poll_is_refused_by_the_command(tmp_path, monkeypatch, capsys, pii_keys):
    import asyncio

    from storage.database import create_engine, create_session_factory
    from storage.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'vote.sqlite3'}"

    async def prepare() -> int:
        await upgrade(url)
        engine = create_engine(url)
        now = datetime.now(UTC)
        async with create_session_factory(engine).begin() as session:
            polls = PollRepository(session)
            poll = await polls.create(title="Т", question="В?", opens_at=now - timedelta(hours=1),
                                      closes_at=now + timedelta(days=1))
            await polls.open(poll.id, now=now)
            poll_id = poll.id
        await engine.dispose()
        return poll_id

    poll_id = asyncio.run(prepare())
    monkeypatch.setenv("DATABASE_URL", url)
    for name, value in pii_keys.items():
        monkeypatch.setenv(name.upper(), value)
    with pytest.raises(SystemExit) as stopped:
        main(["publish", str(poll_id)])
    assert stopped.value.code == 2
    assert "results are published after it closes" in capsys.readouterr().err
