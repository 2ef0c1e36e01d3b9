"""The audit log's hash chain: an edited, a removed or a reordered entry is found, on SQLite and
PostgreSQL; appends at once never fork the chain; `audit verify` and `audit show` on the command line."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.cli import main
from services.audit import AuditLog, retrying
from services.audit_chain import GENESIS, ChainRow, Fault, check_chain, entry_hash
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.repositories.audit import AuditRepository

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def chain(count: int) -> list[ChainRow]:
    rows, prev = [], GENESIS
    for number in range(1, count + 1):
        at = START + timedelta(minutes=number)
        detail = {"poll": number}
        digest = entry_hash(prev, id=number, at=at, actor="cli", action="poll.open", subject=f"poll:{number}",
                            detail=detail)
        rows.append(ChainRow(number, at, "cli", "poll.open", f"poll:{number}", detail, prev, digest))
        prev = digest
    return rows


def faults(rows, **options) -> list[tuple]:
    return [(p.fault, p.first, p.last) for p in check_chain(rows, **options)]


def test_an_untouched_chain_is_intact_and_an_empty_one_too():
    assert check_chain(chain(6)) == []
    assert check_chain([]) == []


def test_an_edited_entry_is_found_and_only_it():
    rows = chain(6)
    rows[2] = replace(rows[2], detail={"poll": 99})
    assert faults(rows) == [(Fault.EDITED, 3, 3)]
    assert str(check_chain(rows)[0]) == "entry #3 was edited: the content does not match the hash"


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link():
    rows = chain(6)
    edited = replace(rows[2], actor="tg:1")
    rows[2] = replace(edited, hash=edited.hash_as(3))
    assert faults(rows) == [(Fault.UNLINKED, 4, 4)]


def test_removed_entries_leave_a_gap_at_the_start_or_inside():
    rows = chain(8)
    assert faults(rows[:3] + rows[5:]) == [(Fault.MISSING, 4, 5)]
    assert faults(rows[1:]) == [(Fault.MISSING, 1, 1)]
    problem = check_chain(rows[:3] + rows[4:])[0]
    assert str(problem) == "entry #4 is missing: removed from the log"


def test_reordered_entries_are_found_under_the_ids_they_were_written_with():
    rows = chain(6)
    rows[2], rows[3] = replace(rows[3], id=3), replace(rows[2], id=4)
    problems = check_chain(rows)
    assert [(p.fault, p.first, p.written) for p in problems] == [(Fault.MOVED, 3, 4), (Fault.MOVED, 4, 3)]


def test_a_removal_hidden_by_renumbering_is_one_problem_for_the_whole_run():
    rows = chain(10)
    renumbered = rows[:2] + [replace(row, id=row.id - 1) for row in rows[3:]]
    problems = check_chain(renumbered)
    assert [(p.fault, p.first, p.last, p.written) for p in problems] == [(Fault.MOVED, 3, 9, 4)]
    assert str(problems[0]).startswith("entries #3–#9 hold what was written as entries #4–#10")


def test_the_newest_entries_alone_and_a_cut_log_found_by_a_saved_hash():
    rows = chain(6)
    assert check_chain(rows[3:], trust_first=True) == []
    assert faults(rows[3:]) == [(Fault.MISSING, 1, 3)]
    assert check_chain(rows, expected_head=rows[-1].hash) == []
    assert faults(rows[:-1], expected_head=rows[-1].hash) == [(Fault.CUT, 0, 0)]


async def appended(sessions, count: int) -> None:
    async with sessions() as session:
        log = AuditLog(session)
        for number in range(1, count + 1):
            await log.append("cli", "staff.grant", f"tg:{number}", {"role": "operator", "n": number})
        await session.commit()


async def verified(sessions):
    async with sessions() as session:
        return await AuditLog(session).verify()


async def tamper(sessions, *statements: str) -> None:
    async with sessions.begin() as session:
        for statement in statements:
            await session.execute(text(statement))


async def test_the_stored_chain_reads_back_intact(sessions):
    await appended(sessions, 5)
    report = await verified(sessions)
    assert (report.entries, report.intact, report.whole) == (5, True, True)


@pytest.mark.parametrize(("statements", "expected"), [
    (["UPDATE audit_log SET subject = 'tg:999' WHERE id = 3"], [(Fault.EDITED, 3, 3)]),
    (["DELETE FROM audit_log WHERE id = 3"], [(Fault.MISSING, 3, 3)]),
    (["UPDATE audit_log SET id = -3 WHERE id = 3", "UPDATE audit_log SET id = 3 WHERE id = 4",
      "UPDATE audit_log SET id = 4 WHERE id = -3"], [(Fault.MOVED, 3, 3), (Fault.MOVED, 4, 4)]),
], ids=["edited", "removed", "reordered"])
async def test_tampering_in_the_database_is_found(sessions, statements, expected):
    await appended(sessions, 6)
    await tamper(sessions, *statements)
    report = await verified(sessions)
    assert [(p.fault, p.first, p.last) for p in report.problems] == expected


async def test_appends_at_once_from_many_sessions_never_fork_the_chain(sessions):
    async def one(number: int) -> None:
        async with sessions() as session:
            await AuditLog(session).append("worker", "ballot.verdict", f"ballot:{number}")
            await asyncio.sleep(0.01)  # the others wait on the lock meanwhile
            await session.commit()

    await asyncio.gather(*(one(number) for number in range(12)))
    report = await verified(sessions)
    assert (report.entries, report.problems) == (12, [])


async def test_a_collision_fails_the_transaction_and_the_unit_of_work_is_run_again(
        database, sessions, monkeypatch):
    if database.backend == "sqlite":
        pytest.skip("SQLite's one write lock makes every append wait for the one before: nothing collides")

    async def no_lock(self) -> None:  # a writer that bypasses the lock
        return None

    monkeypatch.setattr(AuditRepository, "lock_for_append", no_lock)
    attempts = 0
    async with sessions() as first, sessions() as second:
        await AuditLog(first).append("cli", "poll.open", "poll:1")  # not committed yet

        async def unit() -> None:
            nonlocal attempts
            attempts += 1
            await AuditLog(second).append("cli", "poll.close", "poll:1")
            await second.commit()

        racing = asyncio.create_task(retrying(second, unit))
        await asyncio.sleep(0.3)  # the second insert now waits on the first one's unique keys
        await first.commit()
        await racing
    report = await verified(sessions)
    assert (attempts, report.entries, report.problems) == (2, 2, [])


@pytest.fixture
async def cli_database(tmp_path, monkeypatch):
    """A migrated SQLite file that `python -m bot` finds through DATABASE_URL."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'vote.sqlite3'}"
    engine = create_engine(url)
    await upgrade(engine)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    yield create_session_factory(engine)
    await engine.dispose()


async def run_cli(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))  # the command line runs its own event loop


async def test_audit_verify_exits_0_when_intact_and_1_with_a_line_per_problem(cli_database, capsys):
    assert await run_cli("audit", "verify") == 0
    assert capsys.readouterr().out == "0 entries, chain intact\n"
    await appended(cli_database, 6)
    assert await run_cli("audit", "verify") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "6 entries, chain intact" and out[1].startswith("newest hash: ")
    head = out[1].removeprefix("newest hash: ")
    await tamper(cli_database, "UPDATE audit_log SET detail = '{\"role\": \"admin\"}' WHERE id = 2",
                 "DELETE FROM audit_log WHERE id IN (4, 6)")
    assert await run_cli("audit", "verify", "--since", head) == 1
    assert capsys.readouterr().out.splitlines() == [
        "entry #2 was edited: the content does not match the hash",
        "entry #4 is missing: removed from the log",
        f"no entry has the hash {head} saved earlier: the log was cut or rewritten after it",
    ]


async def test_audit_show_prints_the_newest_entries_as_a_table(cli_database, capsys):
    assert await run_cli("audit", "show") == 0
    assert capsys.readouterr().out == "the audit log is empty\n"
    await appended(cli_database, 4)
    assert await run_cli("audit", "show", "--last", "2") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "AT", "ACTOR", "ACTION", "SUBJECT", "DETAIL"]
    assert [line.split()[0] for line in lines[1:]] == ["3", "4"]
    assert "tg:4" in lines[2] and '{"n": 4, "role": "operator"}' in lines[2]
    with pytest.raises(SystemExit) as stopped:
        await run_cli("audit", "show", "--last", "0")
    assert stopped.value.code == 2
    assert "is not a positive whole number" in capsys.readouterr().err


async def test_the_bot_checks_only_the_newest_entries_of_a_long_log_but_a_short_one_whole(sessions):
    await appended(sessions, 6)
    await tamper(sessions, "DELETE FROM audit_log WHERE id = 1")
    async with sessions() as session:
        short = await AuditLog(session).verify(newest=10)
        window = await AuditLog(session).verify(newest=3)
    assert (short.whole, [(p.fault, p.first) for p in short.problems]) == (True, [(Fault.MISSING, 1)])
    assert (window.whole, window.checked_from, window.entries, window.intact) == (False, 4, 3, True)
