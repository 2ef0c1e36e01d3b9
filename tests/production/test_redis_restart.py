"""Redis restarts (its data gone) while residents are mid-dialogue on two webhook processes: the
updates sent meanwhile are delivered again once it is back, the dialogues start over cleanly from
/start, and nobody ends up with two ballots or two receipts."""
from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from sqlalchemy import func, select

from bench.services import OwnRedis
from bench.topology import Balancer, BotProcess, base_environment, free_port, until_ready
from sandbox.client import SandboxClient, SandboxUser
from sandbox.runner import SandboxServer
from storage.database import create_engine, create_session_factory
from storage.models import Ballot
from tests.dialogue.steps import RECEIPT, WORDS, cast, choose_house, consent, enter, has_button
from tests.plugins.sandbox import SANDBOX_TOKEN
from tests.plugins.verifying import typed
from tests.production.test_topology import SECRET, town_on

RESIDENTS = 4


async def start_over(user: SandboxUser, r: dict[str, str]) -> str:
    """/start, the consent if it is asked again, then the whole vote."""
    await user.send("/start", wait=False)
    shown = await user.wait_for(lambda m: has_button(WORDS["ru"]["agree"])(m) or has_button("✖")(m), timeout=60)
    if has_button(WORDS["ru"]["agree"])(shown):
        await user.press(WORDS["ru"]["agree"])
    await choose_house(user, query=r["address"], house=r["address"])
    await enter(user, typed(r))
    return await cast(user)


@pytest.mark.postgres
async def test_a_redis_restart_mid_dialogue_costs_a_fresh_start_never_a_double_vote(
        tmp_path, fresh_database, pii_keys):
    residents = await town_on(fresh_database, tmp_path, pii_keys)
    residents = residents[:RESIDENTS]
    redis = OwnRedis()
    redis.start()
    processes: list[BotProcess] = []
    try:
        async with SandboxServer(host="127.0.0.1", port=0) as server:
            ports = [free_port(), free_port()]
            balancer = Balancer([f"http://127.0.0.1:{port}" for port in ports])
            await balancer.start()
            env = base_environment(
                tmp_path, DATABASE_URL=fresh_database, REDIS_URL=redis.url, BOT_TOKEN=SANDBOX_TOKEN,
                BOT_API_URL=server.url, WEBHOOK_SECRET=SECRET, WEBHOOK_URL=f"{balancer.url}/telegram/updates",
                PII_HMAC_KEY=pii_keys["pii_hmac_key"], PII_ENCRYPTION_KEY=pii_keys["pii_encryption_key"])
            processes = [BotProcess(tmp_path, f"bot-{n}", ["webhook", "--wait", "30"],
                                    {**env, "WEBHOOK_LISTEN": f"127.0.0.1:{port}"}) for n, port in enumerate(ports)]
            try:
                async with aiohttp.ClientSession() as http:
                    for process in processes:
                        process.start()
                    for process, port in zip(processes, ports, strict=True):
                        await until_ready(http, f"http://127.0.0.1:{port}", process)
                async with SandboxClient(server.page_url, timeout=40.0) as client:
                    users = [client.user(8_300 + n, f"Житель {n}") for n in range(RESIDENTS)]
                    await asyncio.gather(*[consent(user) for user in users])
                    await asyncio.gather(*[choose_house(user, query=r["address"], house=r["address"])
                                           for user, r in zip(users, residents, strict=True)])
                    redis.kill()
                    # answers sent while Redis is down: the processes cannot claim them, so Telegram
                    # (the sandbox) keeps delivering them until Redis is back
                    for user, r in zip(users, residents, strict=True):
                        await user.send(r["flat"], wait=False)
                    await asyncio.sleep(2.0)
                    redis.start()  # empty: every dialogue's state is gone
                    deadline = time.monotonic() + 60
                    while server.sandbox.updates:  # each answer sent meanwhile is taken once Redis is back
                        assert time.monotonic() < deadline, list(server.sandbox.updates)
                        await asyncio.sleep(0.05)
                    assert all(p.process.poll() is None for p in processes)  # the outage ended no process
                    assert server.sandbox.webhook.last_error_date is not None  # deliveries did fail meanwhile
                    receipts = await asyncio.gather(*[start_over(user, r) for user, r in zip(users, residents,
                                                                                              strict=True)])
                    chats = {user.id: server.sandbox.chats[user.id] for user in users}
            finally:
                for process in processes:
                    await process.stop()
                await balancer.stop()
    finally:
        redis.kill()
    for chat in chats.values():
        codes = {RECEIPT.search(m.text).group(1) for m in chat.messages.values()
                 if m.from_bot and m.text and RECEIPT.search(m.text) and WORDS["ru"]["sure_yes"] not in m.text}
        assert len(codes) == 1, [m.text for m in chat.messages.values() if m.from_bot]
    engine = create_engine(fresh_database)
    async with create_session_factory(engine)() as session:
        ballots = await session.scalar(select(func.count()).select_from(Ballot))
        stored = set(await session.scalars(select(Ballot.receipt_code)))
    await engine.dispose()
    assert ballots == RESIDENTS and stored == set(receipts)
