"""`python -m bot broadcaster` killed with SIGKILL mid-way and started again: everyone gets the
announcement, and no more residents get it twice than the job reports as sent again."""
from __future__ import annotations

from sqlalchemy import func, select

from sandbox.runner import SandboxServer
from storage.broadcasts import BroadcastRecipient
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from tests.admin.test_announce_world import (
    BroadcasterProcess, add_people, add_residents, copies, finished, launch, progress_of, wait_until,
)

PEOPLE = list(range(4_000_001, 4_001_401))
RATE = 200  # messages a second: about 20 on their way at any moment


async def test_a_broadcaster_killed_mid_way_resends_only_what_was_in_flight(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'vote.sqlite3'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    await add_residents(sessions, PEOPLE)
    try:
        async with SandboxServer(host="127.0.0.1", port=0) as server:
            add_people(server, PEOPLE)
            broadcast_id = await launch(sessions, server, paid=True, paid_rate=RATE)
            sender = BroadcasterProcess(tmp_path, database_url=url, server_url=server.url)
            sender.start("--lease", "2")
            await wait_until(lambda: _sent(server, 400), timeout=40, why=sender.output)
            await sender.kill()
            async with sessions() as session:
                in_flight = await session.scalar(select(func.count()).select_from(BroadcastRecipient).where(
                    BroadcastRecipient.state == "sending"))
            delivered_before = len(server.sandbox.sent_times)
            assert in_flight > 0, "nothing was on its way at the kill"
            assert delivered_before < len(PEOPLE)

            sender.start("--lease", "2")
            await wait_until(lambda: finished(sessions, broadcast_id), timeout=40, why=sender.output)
            assert await sender.stop() == 0, sender.output()

            seen = copies(server, PEOPLE)
            progress = await progress_of(sessions, broadcast_id)
        assert all(seen[chat_id] >= 1 for chat_id in PEOPLE)
        twice = sum(seen.values()) - len(PEOPLE)
        assert progress.resent == in_flight  # the rows found sending are the bound shown
        assert twice <= progress.resent
        assert progress.sent == len(PEOPLE) and progress.left == 0
    finally:
        await engine.dispose()


async def _sent(server: SandboxServer, number: int) -> bool:
    return len(server.sandbox.sent_times) >= number
