"""The announcement engine against the sandbox: 10,000 residents at the paid 1,000/s, 1 % of them
having blocked the bot and a flood wait in the middle; those who turned announcements off get none."""
from __future__ import annotations

import asyncio
import time

from bot.ratelimit import LocalLimiter
from bot.worker.notices import run_notices
from sandbox.runner import SandboxServer
from storage.repositories.checks import VERDICT_NOTICE
from storage.repositories.outbox import OutboxRepository
from storage.types import utcnow
from tests.plugins.sandbox import sandbox_bot_for
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from tests.admin.test_announce_world import (
    ADMIN, BroadcasterProcess, add_people, add_residents, broadcasting, copies, finished, launch, progress_of, recipients_by_state,
    steady_arrivals, turn_off, unreachable, wait_until, within_limit,
)

PEOPLE = list(range(3_000_001, 3_010_001))
BLOCKED = PEOPLE[::100]  # 1 %
OFF_BEFORE = PEOPLE[1::200]  # turned announcements off before the job was built: not counted
OFF_AFTER = PEOPLE[2::200]  # ... after it was built, before their turn: skipped


async def test_ten_thousand_residents_get_exactly_one_copy_through_blocks_and_a_flood_wait(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'vote.sqlite3'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    await add_residents(sessions, PEOPLE)
    await turn_off(sessions, OFF_BEFORE)
    async with SandboxServer(host="127.0.0.1", port=0) as server:
        add_people(server, PEOPLE)
        for chat_id in BLOCKED:
            server.sandbox.faults.add({"kind": "403", "chat_id": chat_id})
        started = time.monotonic()
        broadcast_id = await launch(sessions, server, paid=True)
        assert (await progress_of(sessions, broadcast_id)).total == len(PEOPLE) - len(OFF_BEFORE)
        await turn_off(sessions, OFF_AFTER)
        # the operator's command in a process of its own: the sandbox keeps this one busy
        sender = BroadcasterProcess(tmp_path, database_url=url, server_url=server.url)
        sender.start()
        try:
            with steady_arrivals():
                await wait_until(lambda: _sent_at_least(server, 4_000), timeout=40, why=sender.output)
                server.sandbox.faults.add({"kind": "429", "method": "sendMessage", "retry_after": 1, "times": 10})
                await wait_until(lambda: finished(sessions, broadcast_id), timeout=40, why=sender.output)
        finally:
            assert await sender.stop() == 0, sender.output()
        elapsed = time.monotonic() - started

    try:
        seen = copies(server, PEOPLE)
        off = set(OFF_BEFORE) | set(OFF_AFTER)
        expected = set(PEOPLE) - set(BLOCKED) - off
        assert {chat_id for chat_id, n in seen.items() if n} == expected
        assert {seen[chat_id] for chat_id in expected} == {1}
        assert await unreachable(sessions, PEOPLE) == set(BLOCKED) - off
        states = await recipients_by_state(sessions, broadcast_id)
        assert states == {"sent": len(expected), "blocked": len(set(BLOCKED) - off), "skipped": len(OFF_AFTER)}
        calls = list(server.sandbox.calls)
        refused = [c for c in calls if c["status"] == 429]
        assert len(refused) == 10
        # the whole sender waited the flood out (what was on its way at the first 429 aside)
        first = refused[0]["at"]
        assert not [c for c in calls if c["status"] == 200 and c["method"] == "sendMessage"
                    and first + 0.5 < c["at"] < first + 0.95]
        progress = await progress_of(sessions, broadcast_id)
        assert (progress.sent, progress.blocked, progress.skipped, progress.left, progress.resent) == (
            len(expected), len(set(BLOCKED) - off), len(OFF_AFTER), 0, 0)
        shown = server.sandbox.chats[ADMIN].messages
        final = max(shown.values(), key=lambda m: m.message_id)
        assert "завершено" in final.text and "9 800 из 9 950" in final.text, final.text
        throughput = server.sandbox.throughput()
        assert within_limit(throughput["busiest_second"], 1000), throughput
        print(f"{len(expected)} sent in {elapsed:.1f} s, busiest second {throughput['busiest_second']}")
    finally:
        await engine.dispose()


async def _sent_at_least(server, number: int) -> bool:
    return len(server.sandbox.sent_times) >= number


async def test_a_verdict_notice_queued_during_a_broadcast_goes_before_its_next_rows(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'vote.sqlite3'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    people = list(range(3_100_001, 3_100_121))
    voter = 3_200_001
    await add_residents(sessions, people)
    limiter = LocalLimiter()  # what the notice sender and the broadcaster share
    stop = asyncio.Event()
    try:
        async with SandboxServer(host="127.0.0.1", port=0) as server:
            add_people(server, [*people, voter])
            broadcast_id = await launch(sessions, server, paid=False)  # 25 a second
            bot = sandbox_bot_for(server.url)
            # the notice sender looks only every 2 s: meanwhile the broadcaster must stand back itself
            notices = asyncio.create_task(run_notices(session_factory=sessions, bot=bot, stop=stop,
                                                      idle_sleep=2.0, limiter=limiter))
            async with broadcasting(sessions, server, limiter=limiter):
                await wait_until(lambda: _sent_at_least(server, 30), timeout=20)
                async with sessions.begin() as session:
                    await OutboxRepository(session).queue(
                        voter, VERDICT_NOTICE, {"house": "улица Кубинка, дом 12", "receipt": "ABCDE12345",
                                                "outcome": "counted"}, at=utcnow())
                queued = time.time()
                await wait_until(lambda: finished(sessions, broadcast_id), timeout=20)
            stop.set()
            await notices
            await bot.session.close()
            calls = [c for c in server.sandbox.calls if c["method"] == "sendMessage" and c["status"] == 200]
        notice = next(c for c in calls if c["chat_id"] == voter)
        announced_meanwhile = [c for c in calls if c["chat_id"] in set(people) and queued < c["at"] < notice["at"]]
        # only rows already taken when the notice was queued: the batch being handed out (half a
        # second's worth, 12) and those on their way (8); without the priority, two seconds' worth
        assert len(announced_meanwhile) <= 20, len(announced_meanwhile)
        assert notice["at"] - queued < 2.5
        assert copies(server, people) == {chat_id: 1 for chat_id in people}
    finally:
        stop.set()
        await engine.dispose()
