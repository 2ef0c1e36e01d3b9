"""`python -m bot purge --poll P`: a published poll's personal data erased, and everything counted
the same afterwards; refused, in one line, before the poll is published."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.runners import verification_running
from storage.models import Ballot, BallotPersonalData
from tests.plugins.verifying import resident, verifying_stand, vote_as


async def _cli(capsys, *argv: str) -> tuple[int, str]:
    try:
        code = await asyncio.to_thread(main, list(argv))
    except SystemExit as stopped:
        code = stopped.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


async def _kept(stand) -> dict[str, list[bool]]:
    """Per status, whether each ballot's sealed data is still there."""
    async with stand.sessions() as session:
        rows = await session.execute(select(Ballot.status, BallotPersonalData.sealed.is_not(None))
                                     .join(BallotPersonalData, BallotPersonalData.ballot_id == Ballot.id)
                                     .order_by(Ballot.id))
    kept: dict[str, list[bool]] = {}
    for status, sealed in rows:
        kept.setdefault(status, []).append(sealed)
    return kept


async def test_a_published_poll_is_purged_and_counts_the_same(tmp_path, houses_template, pii_keys, monkeypatch,
                                                              capsys):
    async with verifying_stand(tmp_path, houses_template, pii_keys, verification=False) as (stand, summary):
        monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{stand.database_file}")
        for name, value in pii_keys.items():
            monkeypatch.setenv(name.upper(), value)
        owners = [r for r in summary.residents if r["levels"] == "identity=3,apartment=2" and r["outcome"] == "counted"]
        async with verification_running(stand.app, idle_sleep=0.1):
            for number, voter in enumerate([owners[0], owners[1], resident(summary, outcome="rejected",
                                                                           reason="passport.invalid")]):
                user = stand.client.user(2201 + number, f"Житель {number}")
                await vote_as(user, voter)
                await user.wait_for(lambda m: m.text.startswith(("✅ Ваш голос", "❌")), timeout=20)
        # still waiting when the poll closes (the registries are not asked now)
        late = resident(summary, outcome="rejected", reason="fls.not_this_flat")
        await vote_as(stand.client.user(2209, "Поздний"), late)
        poll = str(stand.poll_id)

        code, said = await _cli(capsys, "purge", "--poll", poll)
        assert code == 2 and said.strip().count("\n") == 0 and "close and publish it first" in said
        assert (await _cli(capsys, "poll", "close", poll))[0] == 0
        code, said = await _cli(capsys, "purge", "--poll", poll)
        assert code == 2 and "publish its results first" in said and f"python -m bot publish {poll}" in said
        assert (await _cli(capsys, "publish", poll))[0] == 0
        count_before = (await _cli(capsys, "count", poll))[1]
        assert "2 counted ballots" in count_before

        code, said = await _cli(capsys, "purge", "--poll", poll)
        assert code == 0, said
        assert "personal data erased, ballots: 3" in said and "waiting for their verdict and keeping" in said
        assert await _kept(stand) == {"counted": [False, False], "rejected": [False], "pending": [True]}
        assert (await _cli(capsys, "count", poll))[1] == count_before
        code, said = await _cli(capsys, "publish", poll)
        assert code == 0 and "nothing new since" in said
        code, said = await _cli(capsys, "audit", "verify")
        assert code == 0 and "chain intact" in said
        assert "poll.purge" in (await _cli(capsys, "audit", "show"))[1]
        code, said = await _cli(capsys, "purge", "--poll", poll)  # again: nothing more to erase
        assert code == 0 and "erased, ballots: 0" in said


@pytest.mark.parametrize("poll, said", [("999", "there is no poll 999"), ("x", "invalid int value")])
def test_a_bad_poll_is_refused_in_one_line(poll, said, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/vote.sqlite3")
    assert main(["migrate"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main(["purge", "--poll", poll])
    err = capsys.readouterr().err.strip()
    assert stopped.value.code == 2 and said in err and "\n" not in err
