"""Two `python -m bot broadcaster` processes on one PostgreSQL database share one rate through
Redis: together they never go above the limit in any one-second window, and neither sends a row the
other sent."""
from __future__ import annotations

import re
import time

import pytest

from sandbox.runner import SandboxServer
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from tests.admin.test_announce_world import (
    BroadcasterProcess, add_people, add_residents, copies, finished, launch, steady_arrivals, wait_until,
    within_limit,
)

PEOPLE = list(range(5_000_001, 5_001_501))
RATE = 200


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_broadcasters_share_one_rate_and_never_send_a_row_twice(tmp_path, fresh_database, redis_url,
                                                                       key_prefix):
    await upgrade(fresh_database)
    engine = create_engine(fresh_database)
    sessions = create_session_factory(engine)
    await add_residents(sessions, PEOPLE)
    senders: list[BroadcasterProcess] = []
    try:
        async with SandboxServer(host="127.0.0.1", port=0) as server:
            add_people(server, PEOPLE)
            broadcast_id = await launch(sessions, server, paid=True, paid_rate=RATE)
            launched = time.time()
            senders = [BroadcasterProcess(tmp_path, database_url=fresh_database, server_url=server.url,
                                          redis_url=redis_url, prefix=key_prefix) for _ in range(2)]
            for sender in senders:
                sender.start()
            with steady_arrivals():
                await wait_until(lambda: finished(sessions, broadcast_id), timeout=60,
                                 why=lambda: "\n".join(s.output() for s in senders))
            for sender in senders:
                assert await sender.stop() == 0, sender.output()
            seen = copies(server, PEOPLE)
            throughput = server.sandbox.throughput(since=launched)
        assert set(seen.values()) == {1}
        sent_by = [int(re.search(r"broadcaster stopped: (\d+) messages sent", s.output()).group(1)) for s in senders]
        assert sum(sent_by) == len(PEOPLE) and min(sent_by) > len(PEOPLE) // 5, sent_by
        assert within_limit(throughput["busiest_second"], RATE), throughput
    finally:
        for sender in senders:
            await sender.stop()
        await engine.dispose()
