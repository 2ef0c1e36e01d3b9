"""Verdict notices through the Telegram sandbox: the resident reads them in their own chat and
language; flood limits are waited out, a blocked bot stops trying until the resident returns."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.worker import NoticeSender, Verifier, run_notices, run_verifier
from storage.models import OutboxMessage, Resident
from storage.registry_tables import RegistryTables
from storage.repositories import ResidentRepository
from storage.repositories.outbox import OutboxRepository
from tests.plugins.sandbox import sandbox_bot_for
from tests.plugins.worker import cast, settle


@pytest.fixture
async def world(sessions, vault, town):
    return await settle(sessions, vault, town)


@pytest.fixture
async def bot(sandbox_server):
    bot = sandbox_bot_for(sandbox_server.url)
    yield bot
    await bot.session.close()


@asynccontextmanager
async def worker(sessions, vault, bot, *, rate=25):
    """The verifier and the notice sender running as tasks, as the sandbox runs them."""
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(run_verifier(session_factory=sessions, vault=vault, stop=stop, idle_sleep=0.05,
                                         registries=RegistryTables(sessions, vault))),
        asyncio.create_task(run_notices(session_factory=sessions, bot=bot, stop=stop, rate=rate,
                                        idle_sleep=0.05)),
    ]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def test_the_verdict_arrives_in_the_residents_chat_in_russian_and_in_english(
        sessions, vault, town, world, sandbox_client, bot):
    anna = sandbox_client.user(8101, "Анна", language_code="ru")
    john = sandbox_client.user(8102, "John", language_code="en")
    for user in (anna, john):
        await user.register()
    counted = await cast(sessions, vault, world, town.case("counted"), telegram_id=anna.id, language="ru")
    rejected = await cast(sessions, vault, world, town.case("passport.invalid"), telegram_id=john.id,
                          language="en")
    async with worker(sessions, vault, bot):
        russian = await anna.wait_for(counted.receipt_code)
        english = await john.wait_for(rejected.receipt_code)

    assert russian.text.startswith("✅ Ваш голос по дому")
    assert "учтён" in russian.text and counted.house.address in russian.text
    assert {e["type"] for e in russian.entities} >= {"bold", "code"}
    assert english.text.startswith(f"❌ Your vote for {rejected.house.address}, flat {rejected.flat.number} "
                                   "was not counted.")
    assert f"{counted.house.address}, кв. {counted.flat.number} учтён" in russian.text
    assert "Ministry of Internal Affairs (MVD) lists this passport as no longer valid" in english.text
    assert "If you have been issued a new passport" in english.text
    assert "/status" in english.text
    assert [m.text for m in await anna.messages()] == [russian.text]
    assert [m.text for m in await john.messages()] == [english.text]


async def test_a_resident_who_switched_language_reads_the_notice_in_the_new_one(
        sessions, vault, town, world, sandbox_client, bot):
    anna = sandbox_client.user(8103, "Анна", language_code="ru")
    await anna.register()
    ballot = await cast(sessions, vault, world, town.case("fls.unknown"), telegram_id=anna.id, language="ru")
    await Verifier(session_factory=sessions, vault=vault, registries=RegistryTables(sessions, vault)).run_once()
    async with sessions.begin() as session:
        repository = ResidentRepository(session)
        await repository.set_language(await repository.by_telegram_id(anna.id), "en")
    await NoticeSender(session_factory=sessions, bot=bot).send_due()
    text = (await anna.last_message()).text
    assert ballot.receipt_code in text and "was not counted" in text
    assert "payer number (FLS)" in text


async def test_a_flood_limit_is_waited_out_and_nothing_is_sent_twice(
        sessions, vault, town, world, sandbox_client, bot):
    people = [sandbox_client.user(8200 + n, f"Житель {n}") for n in range(3)]
    ballots = []
    for n, person in enumerate(people):
        await person.register()
        case = ("counted", "tenant", "co_owner")[n]
        typed = town.case(case) if case == "counted" else town.resident(case)
        ballots.append(await cast(sessions, vault, world, typed, telegram_id=person.id))
    await sandbox_client.add_fault("429", method="sendMessage", retry_after=2, times=1)
    # one message a second: the flood wait begins while the others queue for their turn
    async with worker(sessions, vault, bot, rate=1):
        for person, ballot in zip(people, ballots):
            await person.wait_for(ballot.receipt_code, timeout=20)

    calls = await sandbox_client.calls("sendMessage")
    assert [c["status"] for c in calls].count(429) == 1
    refused = next(c for c in calls if c["status"] == 429)
    delivered = [c for c in calls if c["status"] == 200]
    assert len(delivered) == 3
    assert all(c["at"] >= refused["at"] + 2 for c in delivered)
    for person in people:
        assert len(await person.messages()) == 1


async def test_a_blocked_bot_marks_the_resident_unreachable_until_they_write_again(
        sessions, vault, town, world, sandbox_client, bot):
    boris = sandbox_client.user(8301, "Борис")
    await boris.register()
    ballot = await cast(sessions, vault, world, town.case("counted"), telegram_id=boris.id)
    await Verifier(session_factory=sessions, vault=vault, registries=RegistryTables(sessions, vault)).run_once()
    await sandbox_client.add_fault("403", chat_id=boris.id)
    sender = NoticeSender(session_factory=sessions, bot=bot)
    assert await sender.send_due() == 1
    for _ in range(3):
        assert await sender.send_due() == 0  # held, not retried
    assert [c["status"] for c in await sandbox_client.calls("sendMessage")] == [403]
    async with sessions() as session:
        resident = await session.scalar(select(Resident).where(Resident.telegram_id == boris.id))
        notice = await session.scalar(select(OutboxMessage))
    assert resident.unreachable_at is not None
    assert notice.sent_at is None and "blocked" in notice.last_error

    await sandbox_client.clear_faults()
    async with sessions.begin() as session:  # what the bot does when Boris writes again
        await ResidentRepository(session).get_or_create(boris.id)
    assert await sender.send_due() == 1
    assert ballot.receipt_code in (await boris.last_message()).text


async def test_a_notice_sent_while_the_database_restarts_is_marked_when_it_is_back_not_sent_twice(
        sessions, vault, town, world, sandbox_client, bot, monkeypatch):
    """Telegram took the notice, then the database went away for a moment (a crash and restart):
    the sender marks the notice sent once the database answers again, within the notice's lease,
    instead of letting the lease run out and sending it a second time."""
    anna = sandbox_client.user(8131, "Анна")
    await anna.register()
    ballot = await cast(sessions, vault, world, town.case("counted"), telegram_id=anna.id)
    await Verifier(session_factory=sessions, vault=vault, registries=RegistryTables(sessions, vault)).run_once()
    outage = [ConnectionRefusedError(111, "Connect call failed"), ConnectionRefusedError(111, "Connect call failed")]
    mark_sent = OutboxRepository.mark_sent

    async def database_restarting(self, *args, **kwargs):
        if outage:
            raise outage.pop()
        return await mark_sent(self, *args, **kwargs)

    monkeypatch.setattr(OutboxRepository, "mark_sent", database_restarting)
    sender = NoticeSender(session_factory=sessions, bot=bot, lease=timedelta(seconds=2))
    assert await sender.send_due() == 1
    assert outage == []  # the database was asked until it answered
    await asyncio.sleep(2.1)  # the claim's lease has run out: an unmarked notice would be taken again
    assert await sender.send_due() == 0
    assert len([m for m in await anna.messages() if ballot.receipt_code in m.text]) == 1
