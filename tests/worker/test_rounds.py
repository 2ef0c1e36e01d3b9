"""The running worker's rounds overlap (the next batch leased and read while this one is
decided and written): every ballot still gets one verdict, and stopping leaves no lease behind."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.worker import Round, Verifier, run_verifier
from storage.models import OutboxMessage, RegistryCheck
from storage.registry_tables import RegistryTables
from tests.plugins.worker import add_poll, cast, settle, statuses, verdict_events

KINDS = ("counted", "tenant", "passport.invalid", "fls.not_this_flat")


async def cast_many(sessions, vault, town, world, polls_count: int) -> list[int]:
    typed = [town.case(kind) if "." in kind or kind == "counted" else town.resident(kind) for kind in KINDS]
    ballots = []
    for number in range(polls_count):
        polls = {t["levels"]: await add_poll(sessions, t["levels"], title=f"Опрос {number}") for t in typed}
        for data in typed:
            ballots.append((await cast(sessions, vault, world, data, poll=polls[data["levels"]])).id)
    return ballots


@pytest.mark.parametrize("database", ["postgresql", "sqlite"], indirect=True)
async def test_back_to_back_batches_verify_each_ballot_once(database, sessions, vault, town):
    world = await settle(sessions, vault, town)
    ballots = await cast_many(sessions, vault, town, world, 9)  # 36 ballots: nine full batches of 4
    stop, rounds = asyncio.Event(), []
    task = asyncio.create_task(run_verifier(
        session_factory=sessions, vault=vault, registries=RegistryTables(sessions, vault), stop=stop,
        batch_size=4, idle_sleep=0.05, on_round=rounds.append))
    try:
        for _ in range(200):
            if all(status != "pending" for status, _ in (await statuses(sessions)).values()):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    assert all(status != "pending" for status, _ in (await statuses(sessions)).values())
    assert await verdict_events(sessions) == {ballot: 1 for ballot in ballots}
    verified = [ballot for r in rounds for ballot in r.ballot_ids]
    assert sorted(verified) == sorted(ballots)  # no ballot in two rounds
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == len(ballots)


async def test_stopping_hands_back_the_batch_leased_ahead(sessions, vault, town):
    world = await settle(sessions, vault, town)
    ballots = await cast_many(sessions, vault, town, world, 5)  # 20 ballots, batches of 4
    stop, rounds = asyncio.Event(), []

    def first_round_then_stop(done: Round) -> None:
        rounds.append(done)
        stop.set()

    await run_verifier(session_factory=sessions, vault=vault, registries=RegistryTables(sessions, vault),
                       stop=stop, batch_size=4, idle_sleep=0.05, on_round=first_round_then_stop)
    checked = {ballot for r in rounds for ballot in r.ballot_ids}
    assert checked and len(checked) < len(ballots)
    async with sessions() as session:
        leased = await session.scalar(
            select(func.count()).select_from(RegistryCheck).where(RegistryCheck.leased_by.is_not(None)))
        waiting = set(await session.scalars(select(RegistryCheck.ballot_id)))
    assert leased == 0  # nothing stays leased to a worker that stopped
    assert waiting == set(ballots) - checked

    assert {b for b, (status, _) in (await statuses(sessions)).items() if status == "pending"} == waiting
    verifier = Verifier(session_factory=sessions, vault=vault, registries=RegistryTables(sessions, vault))
    assert (await verifier.run_once()).leased == len(waiting)  # due at once, not when a lease ends
