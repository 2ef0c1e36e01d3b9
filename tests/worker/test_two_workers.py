"""Two workers on one database: no ballot is verified twice, no notice sent twice.

PostgreSQL is where several workers are meant to run (SKIP LOCKED shares the work out); on
SQLite one worker is the rule, and a second one must at least never repeat the first's work."""
from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot.worker import Round, run_notices, run_verifier
from storage.database import create_session_factory
from storage.registry_tables import RegistryTables
from tests.plugins.sandbox import sandbox_bot_for
from tests.plugins.worker import add_poll, cast, settle, statuses, verdict_events

KINDS = ("counted", "co_owner", "tenant", "registered_only", "passport.invalid", "fls.not_this_flat")


@pytest.mark.parametrize("database", ["postgresql", "sqlite"], indirect=True)
async def test_two_workers_share_the_work_and_never_take_one_ballot_twice(
        database, engine, sessions, vault, town, sandbox_server, sandbox_client):
    world = await settle(sessions, vault, town)
    people = [sandbox_client.user(9300 + n, f"Житель {n}") for n in range(len(KINDS))]
    typed = [town.case(kind) if kind == "counted" or "." in kind else town.resident(kind) for kind in KINDS]
    receipts = {}
    for person in people:
        await person.register()
    for number in range(40):
        polls = {levels: await add_poll(sessions, levels, title=f"Опрос {number}")
                 for levels in {t["levels"] for t in typed}}
        for person, data in zip(people, typed):
            ballot = await cast(sessions, vault, world, data, telegram_id=person.id, poll=polls[data["levels"]])
            receipts[ballot.receipt_code] = person.id
    total = len(receipts)

    second_engine = database.engine()
    stop = asyncio.Event()
    rounds: dict[str, list[Round]] = {"first": [], "second": []}
    bots = [sandbox_bot_for(sandbox_server.url) for _ in range(2)]
    tasks = []
    for name, factory, bot in zip(rounds, (sessions, create_session_factory(second_engine)), bots):
        tasks.append(asyncio.create_task(run_verifier(
            session_factory=factory, vault=vault, registries=RegistryTables(factory, vault), stop=stop,
            batch_size=8, idle_sleep=0.05, on_round=rounds[name].append)))
        tasks.append(asyncio.create_task(run_notices(
            session_factory=factory, bot=bot, stop=stop, rate=100, idle_sleep=0.05)))
    try:
        for _ in range(600):
            sent = [c for c in await sandbox_client.calls("sendMessage") if c["status"] == 200]
            if len(sent) >= total:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # anything sent twice would arrive by now
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for bot in bots:
            await bot.session.close()
        await second_engine.dispose()

    events = await verdict_events(sessions)
    assert len(events) == total and set(events.values()) == {1}
    assert all(status != "pending" for status, _ in (await statuses(sessions)).values())
    work = {name: sum(r.counted + r.rejected for r in done) for name, done in rounds.items()}
    assert sum(work.values()) == total
    if database.backend == "postgresql":  # SQLite's one write lock may let one worker take it all
        assert work["first"] > 0 and work["second"] > 0
    assert sum(r.lost for done in rounds.values() for r in done) == 0
    seen: Counter = Counter()
    for person in people:
        for message in await person.messages():
            seen.update(code for code in receipts if code in message.text)
    assert set(seen) == set(receipts) and set(seen.values()) == {1}
