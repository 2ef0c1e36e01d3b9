"""Two webhook bot processes behind a balancer, a worker, PostgreSQL and Redis, the sandbox
delivering by webhook: residents vote at once, one bot process is killed with SIGKILL on the way,
and every resident still gets exactly one receipt, one ballot and the "counted" notice; the other
process stops on SIGTERM after finishing the update in its hands."""
from __future__ import annotations

import asyncio
import csv
import json

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.demo import HOUSES_CSV
from bot.demo.registries import COLUMNS, agreeing_owners, generate
from sandbox.client import SandboxClient
from sandbox.runner import SandboxServer
from storage.database import create_engine, create_session_factory
from storage.house_import import migrated_with_houses
from storage.models import Ballot
from storage.pii import PiiVault
from storage.registry_import import import_registry
from tests.dialogue.steps import RECEIPT, WORDS, cast, choose_house, consent, enter
from tests.plugins.dialogue import open_poll
from tests.plugins.sandbox import SANDBOX_TOKEN
from tests.plugins.verifying import typed
from bench.topology import Balancer, BotProcess, base_environment, free_port, until_ready

RESIDENTS = 6
SECRET = "topology-secret-for-the-tests_42"


async def town_on(url: str, folder, pii_keys) -> list[dict[str, str]]:
    """Houses, made-up registries of a few of them and an open poll; residents who will be counted."""
    await migrated_with_houses(url, HOUSES_CSV)
    with HOUSES_CSV.open(encoding="utf-8") as source:
        houses = [(int(r["unom"]), r["address"]) for r in csv.DictReader(source)][:4]
    summary = generate(houses, 6, 11, folder / "registries")
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    vault = PiiVault(bytes.fromhex(pii_keys["pii_hmac_key"]), bytes.fromhex(pii_keys["pii_encryption_key"]))
    async with sessions.begin() as session:
        for name in COLUMNS:
            await import_registry(session, name, summary.files[name], vault)
    await open_poll(sessions)
    await engine.dispose()
    chosen = agreeing_owners(summary.files, houses)[:RESIDENTS]
    assert len(chosen) == RESIDENTS
    return chosen


@pytest.mark.postgres
@pytest.mark.redis
async def test_votes_through_two_webhook_processes_survive_a_kill(tmp_path, fresh_database, redis_url, key_prefix,
                                                                 pii_keys):
    residents = await town_on(fresh_database, tmp_path, pii_keys)
    processes: list[BotProcess] = []
    async with SandboxServer(host="127.0.0.1", port=0) as server:
        ports = [free_port(), free_port()]
        balancer = Balancer([f"http://127.0.0.1:{port}" for port in ports])
        await balancer.start()
        env = base_environment(
            tmp_path, DATABASE_URL=fresh_database, REDIS_URL=redis_url, REDIS_PREFIX=key_prefix,
            BOT_TOKEN=SANDBOX_TOKEN, BOT_API_URL=server.url, WEBHOOK_SECRET=SECRET,
            WEBHOOK_URL=f"{balancer.url}/telegram/updates", PII_HMAC_KEY=pii_keys["pii_hmac_key"],
            PII_ENCRYPTION_KEY=pii_keys["pii_encryption_key"], PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
            LOG_FORMAT="json")
        (tmp_path / "metrics").mkdir()
        bots = [BotProcess(tmp_path, f"bot-{n}", ["webhook", "--wait", "30"],
                           {**env, "WEBHOOK_LISTEN": f"127.0.0.1:{port}"}) for n, port in enumerate(ports)]
        worker = BotProcess(tmp_path, "worker", ["worker", "--idle-sleep", "0.2"], env)
        processes = [*bots, worker]
        try:
            async with aiohttp.ClientSession() as http:
                for process in processes:
                    process.start()
                for process, port in zip(bots, ports, strict=True):
                    await until_ready(http, f"http://127.0.0.1:{port}", process)
            registrations = [c for c in server.sandbox.calls if c["method"] == "setWebhook"]
            assert len(registrations) == 1, "ten processes would make one registration too"
            async with SandboxClient(server.page_url, timeout=40.0) as client:
                users = [client.user(8_100 + n, f"Житель {n}") for n in range(RESIDENTS)]

                await asyncio.gather(*[consent(user) for user in users])
                # one bot process dies mid-dialogue, between updates (one killed mid-update holds that
                # resident's turn for a few seconds and asks them to repeat: tests/production/test_webhook.py
                # and tests/dialogue/test_killed_bot.py cover that)
                while server.sandbox.updates:
                    await asyncio.sleep(0.01)
                bots[0].kill()

                async def go_on(user, r) -> str:
                    await choose_house(user, query=r["address"], house=r["address"])
                    await enter(user, typed(r))
                    return await cast(user)

                receipts = await asyncio.gather(*[go_on(user, r) for user, r in zip(users, residents, strict=True)])
                for user in users:
                    await user.wait_for("✅ Ваш голос по дому", timeout=60)
                # the survivor's /metrics adds up both processes' counts, the killed one's too
                async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{ports[1]}/metrics") as answer:
                    body = await answer.text()
                handled = sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
                              if line.startswith("vote_updates_total{"))
                alone = balancer.served[f"http://127.0.0.1:{ports[1]}"]
                assert handled > alone, (handled, balancer.served)
                # the survivor finishes an update in its hands before it stops on SIGTERM
                late = users[0]
                await client.add_fault("delay", chat_id=late.id, method="sendMessage", delay=2.0, times=1)
                await late.send("/status", wait=False)
                await asyncio.sleep(0.8)
                assert await bots[1].stop() == 0, bots[1].output()
                status = await late.wait_for("Ваши голоса", timeout=10)
                assert receipts[0] in status.text
                chats = {user.id: server.sandbox.chats[user.id] for user in users}
        finally:
            for process in processes:
                if process.process is not None and process.process.poll() is None:
                    await process.stop()
            await balancer.stop()
    assert all(balancer.served.values()), balancer.served  # both processes took updates
    lines = [line for process in processes for line in process.output().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any("update_id" in e and "handler" in e for e in entries), lines[:20]
    typed_values = {r[key] for r in residents for key in ("full_name", "birth_date", "passport", "snils", "fls",
                                                          "property_document")}
    typed_values |= {r["passport"].replace(" ", "") for r in residents} | {r["full_name"].split()[0] for r in residents}
    leaked = [(value, line) for line in lines for value in typed_values if value in line]
    assert not leaked, leaked[:3]
    for user_id, chat in chats.items():
        shown = [m for m in chat.messages.values() if m.from_bot and RECEIPT.search(m.text or "")
                 and WORDS["ru"]["sure_yes"] not in (m.text or "")]
        codes = {RECEIPT.search(m.text).group(1) for m in shown}
        assert len(codes) == 1, (user_id, [m.text for m in shown])
    engine = create_engine(fresh_database)
    async with create_session_factory(engine)() as session:
        ballots = (await session.execute(select(Ballot.receipt_code, Ballot.status))).all()
        per_flat = await session.scalar(select(func.count()).select_from(Ballot))
    await engine.dispose()
    assert per_flat == RESIDENTS
    assert sorted(code for code, _ in ballots) == sorted(receipts)
    assert {status for _, status in ballots} == {"counted"}, ballots
