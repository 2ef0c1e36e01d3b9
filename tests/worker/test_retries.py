"""Registries that do not answer: the ballot waits (never rejected for it), is asked again
later — only what is still missing — and gets its verdict once the registries are back."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.registries.http import HttpRegistries, RetryPolicy
from bot.worker import Verifier, run_verifier
from services.checking import RetryDelays
from storage.models import OutboxMessage, RegistryCheck
from storage.registry_tables import RegistryTables
from storage.types import utcnow
from tests.plugins.worker import cast, settle, statuses, verdict_events
from bench.gateway import KEY, TOKEN, free_port, gateway_on
from verification.asking import Registries

RETRY = RetryDelays(first=timedelta(seconds=0.3), longest=timedelta(seconds=1))


@pytest.fixture
async def world(sessions, vault, town):
    return await settle(sessions, vault, town)


@pytest.fixture
async def agency():
    """The HTTP adapter as the worker uses it, with quick give-ups for the test."""
    port = free_port()
    async with HttpRegistries(f"http://127.0.0.1:{port}/gateway", timeout=2.0, answer_key=KEY, token=TOKEN,
                              allow_plain_http=True, retry=RetryPolicy(attempts=1),
                              failure_threshold=1000) as adapter:
        yield port, Registries(adapter, adapter, adapter, adapter)


async def check_row(sessions, ballot_id):
    async with sessions() as session:
        return await session.get(RegistryCheck, ballot_id)


async def until_due(sessions, ballot_id):
    row = await check_row(sessions, ballot_id)
    await asyncio.sleep(max(0.0, (row.due_at - utcnow()).total_seconds()) + 0.05)


async def test_a_ballot_waits_while_the_registries_are_down_and_is_counted_when_they_return(
        sessions, vault, town, world, agency):
    port, registries = agency
    ballot = await cast(sessions, vault, world, town.case("counted"))
    verifier = Verifier(session_factory=sessions, vault=vault, registries=registries, retry=RETRY)

    first = await verifier.run_once()
    assert (first.leased, first.waiting) == (1, 1)
    assert (await statuses(sessions))[ballot.id] == ("pending", ())
    waiting = await check_row(sessions, ballot.id)
    assert set(waiting.waiting_for) == {"eirc", "mvd", "pfr", "rosreestr"}
    assert waiting.attempts == 1 and waiting.leased_by is None
    assert (await verifier.run_once()).leased == 0  # not asked again before its pause is over
    async with sessions() as session:
        assert list(await session.scalars(select(OutboxMessage))) == []

    async with gateway_on(port, RegistryTables(sessions, vault)):
        await until_due(sessions, ballot.id)
        second = await verifier.run_once()
    assert (second.leased, second.counted) == (1, 1)
    assert (await statuses(sessions))[ballot.id] == ("counted", ())
    assert await verdict_events(sessions) == {ballot.id: 1}
    assert await check_row(sessions, ballot.id) is None


async def test_a_retry_asks_only_the_registry_that_did_not_answer(sessions, vault, town, world, agency):
    port, registries = agency
    ballot = await cast(sessions, vault, world, town.case("counted"))
    verifier = Verifier(session_factory=sessions, vault=vault, registries=registries, retry=RETRY)
    async with gateway_on(port, RegistryTables(sessions, vault)) as gateway:
        gateway.down.add("mvd")
        assert (await verifier.run_once()).waiting == 1
        assert sorted(gateway.asked) == ["eirc", "mvd", "pfr", "rosreestr"]
        assert (await check_row(sessions, ballot.id)).waiting_for == ["mvd"]
        assert (await check_row(sessions, ballot.id)).answers is not None  # kept, sealed

        gateway.down.clear()
        gateway.asked.clear()
        await until_due(sessions, ballot.id)
        assert (await verifier.run_once()).counted == 1
        assert gateway.asked == ["mvd"]
    assert (await statuses(sessions))[ballot.id] == ("counted", ())


async def test_a_clear_rejection_does_not_wait_for_a_registry_that_is_down(sessions, vault, town, world, agency):
    port, registries = agency
    ballot = await cast(sessions, vault, world, town.case("passport.invalid"))
    async with gateway_on(port, RegistryTables(sessions, vault)) as gateway:
        gateway.down.add("pfr")
        done = await Verifier(session_factory=sessions, vault=vault, registries=registries).run_once()
    assert done.rejected == 1
    assert (await statuses(sessions))[ballot.id] == ("rejected", ("passport.invalid",))


async def test_the_running_worker_retries_by_itself(sessions, vault, town, world, agency):
    port, registries = agency
    ballot = await cast(sessions, vault, world, town.resident("tenant"))
    stop, rounds = asyncio.Event(), []
    task = asyncio.create_task(run_verifier(
        session_factory=sessions, vault=vault, registries=registries, stop=stop, idle_sleep=0.05,
        retry=RETRY, on_round=lambda r: rounds.append(r)))
    try:
        while not any(r.waiting for r in rounds):
            await asyncio.sleep(0.02)
        async with gateway_on(port, RegistryTables(sessions, vault)):
            for _ in range(200):
                if (await statuses(sessions))[ballot.id][0] != "pending":
                    break
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    assert (await statuses(sessions))[ballot.id] == ("counted", ())
    assert sum(r.leased for r in rounds) >= 2
