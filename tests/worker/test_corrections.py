"""A resident corrects the data of a rejected ballot: same receipt, checked again, history kept."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.worker import Verifier
from storage.errors import BallotNotFound, DuplicatePerson, PollNotOpen
from storage.models import OutboxMessage
from storage.registry_tables import RegistryTables
from storage.repositories import BallotRepository, PollRepository
from tests.plugins.worker import cast, cast_arguments, sealed_values, settle, statuses
from verification.asking import Registries
from verification.levels import Levels


@pytest.fixture
async def world(sessions, vault, town):
    return await settle(sessions, vault, town)


def right_fls(town, typed):
    return next(r["fls"] for r in town.rows["eirc"] if (r["unom"], r["flat"]) == (typed["unom"], typed["flat"]))


async def correct(sessions, vault, ballot, typed, **kw):
    values = sealed_values(typed, Levels.parse(typed["levels"]))
    async with sessions.begin() as session:
        return await BallotRepository(session).correct_personal_data(
            ballot.id, at=datetime.now(UTC), **cast_arguments(vault, values), **kw)


async def verify_all(sessions, vault):
    verifier = Verifier(session_factory=sessions, vault=vault, registries=RegistryTables(sessions, vault))
    while (await verifier.run_once()).leased:
        pass


async def test_a_corrected_ballot_keeps_its_receipt_and_is_counted_on_the_second_check(
        sessions, vault, town, world):
    typed = town.case("fls.not_this_flat")
    ballot = await cast(sessions, vault, world, typed)
    await verify_all(sessions, vault)
    assert (await statuses(sessions))[ballot.id] == ("rejected", ("fls.not_this_flat",))

    corrected = await correct(sessions, vault, ballot, {**typed, "fls": right_fls(town, typed)},
                              resident_id=ballot.resident_id)
    assert corrected.receipt_code == ballot.receipt_code
    assert (await statuses(sessions))[ballot.id] == ("pending", ())
    async with sessions() as session:
        assert list(await session.scalars(select(OutboxMessage))) == []  # the stale notice is dropped

    await verify_all(sessions, vault)
    assert (await statuses(sessions))[ballot.id] == ("counted", ())
    async with sessions() as session:
        history = await BallotRepository(session).history(ballot.id)
        notices = list(await session.scalars(select(OutboxMessage)))
    assert [e.kind for e in history] == ["cast", "verdict", "data_corrected", "verdict"]
    assert history[1].detail["reasons"] == ["fls.not_this_flat"]
    assert history[2].detail == {"changed": ["fls"], "previous_status": "rejected"}
    assert history[3].detail["outcome"] == "counted"
    assert [n.payload["outcome"] for n in notices] == ["counted"]


async def test_a_verdict_on_the_old_data_is_not_recorded_after_a_correction(sessions, vault, town, world):
    typed = town.case("fls.not_this_flat")
    ballot = await cast(sessions, vault, world, typed)
    asked, release = asyncio.Event(), asyncio.Event()
    tables = RegistryTables(sessions, vault)

    class Slow:
        async def for_claims(self, claims, digests=None) -> Registries:
            asked.set()
            await release.wait()
            return await tables.for_claims(claims, digests)

    verifier = Verifier(session_factory=sessions, vault=vault, registries=Slow())
    round_ = asyncio.create_task(verifier.run_once())
    await asked.wait()
    await correct(sessions, vault, ballot, {**typed, "fls": right_fls(town, typed)})
    release.set()
    done = await round_
    assert (done.leased, done.lost) == (1, 1)
    assert (await statuses(sessions))[ballot.id] == ("pending", ())

    await verify_all(sessions, vault)
    assert (await statuses(sessions))[ballot.id] == ("counted", ())
    async with sessions() as session:
        kinds = [e.kind for e in await BallotRepository(session).history(ballot.id)]
    assert kinds == ["cast", "data_corrected", "verdict"]


async def test_corrections_are_refused_for_another_account_a_taken_person_and_a_closed_poll(
        sessions, vault, town, world):
    owner = town.case("counted")
    mine = await cast(sessions, vault, world, town.case("passport.unknown"))
    stranger = await cast(sessions, vault, world, {**owner, "full_name": "Петров Пётр Петрович"})
    with pytest.raises(BallotNotFound):
        await correct(sessions, vault, mine, owner, resident_id=stranger.resident_id)
    with pytest.raises(DuplicatePerson) as taken:
        await correct(sessions, vault, stranger, owner, resident_id=stranger.resident_id)
    assert (taken.value.ballot_id, taken.value.resident_id) == (mine.id, mine.resident_id)
    async with sessions.begin() as session:
        await PollRepository(session).close(mine.poll_id)
    with pytest.raises(PollNotOpen):
        await correct(sessions, vault, mine, owner)
    assert (await statuses(sessions))[stranger.id] == ("pending", ())
