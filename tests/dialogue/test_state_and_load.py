"""Dialogue state across restarts (real Redis), double taps, fifty residents at once, and privacy."""
from __future__ import annotations

import asyncio
import logging
import shutil

from sqlalchemy import func, select

from sandbox.runner import SandboxServer
from storage.models import Ballot
from tests.dialogue.steps import KUBINKA_HOUSE, choose_house, consent, enter, vote
from tests.plugins.dialogue import Person, person, voting_stand

RAW = ["345678", "4512345678", "123456789", "1234567890", "0001013"]


async def test_a_restart_with_redis_resumes_at_the_same_step(tmp_path, houses_template, pii_keys,
                                                             redis_url, key_prefix):
    database_file = tmp_path / "vote.sqlite3"
    shutil.copy(houses_template, database_file)
    async with SandboxServer(host="127.0.0.1", port=0) as server:
        async with voting_stand(database_file, pii_keys=pii_keys, redis_url=redis_url,
                                fsm_prefix=key_prefix, server=server) as first:
            poll_id = first.poll_id
            user = first.client.user(801, "Анна")
            await consent(user)
            await choose_house(user)
            await user.send("12")
            asked = await user.send("Петрова Анна Сергеевна")
            assert "дату рождения" in asked.text
        # a new process: nothing in memory, the dialogue lives in Redis
        async with voting_stand(database_file, pii_keys=pii_keys, redis_url=redis_url,
                                fsm_prefix=key_prefix, server=server, poll_id=poll_id) as second:
            user = second.client.user(801, "Анна")
            asked = await user.send("14.03.1975")
            assert "паспорт" in asked.text
            for answer in Person().answers()[3:]:
                review = await user.send(answer)
            assert "Петрова Анна Сергеевна" in review.text and "Квартира: 12" in review.text
            from redis.asyncio import Redis
            redis = Redis.from_url(redis_url)
            try:
                keys = [k async for k in redis.scan_iter(f"{key_prefix}:*")]
                assert keys, "the dialogue state should be in Redis"
                values = b"".join([await redis.get(k) or b"" for k in keys if await redis.type(k) == b"string"])
                for raw in RAW + ["Петрова"]:
                    assert raw.encode() not in values
                ttls = [await redis.ttl(k) for k in keys]
                # -1: kept for ever (-2: already expired, e.g. a rate limit's second-long window)
                assert -1 not in ttls, ("dialogue state must expire", [k for k, t in zip(keys, ttls) if t == -1])
            finally:
                for key in keys:
                    await redis.delete(key)
                await redis.aclose()


async def test_without_redis_a_restart_makes_old_buttons_stale(tmp_path, houses_template, pii_keys):
    database_file = tmp_path / "vote.sqlite3"
    shutil.copy(houses_template, database_file)
    async with SandboxServer(host="127.0.0.1", port=0) as server:
        async with voting_stand(database_file, pii_keys=pii_keys, server=server) as first:
            poll_id = first.poll_id
            user = first.client.user(802, "Анна")
            await consent(user)
            await choose_house(user)
            await enter(user, Person())
        async with voting_stand(database_file, pii_keys=pii_keys, server=server, poll_id=poll_id) as second:
            user = second.client.user(802, "Анна")
            await user.press("✅ Всё верно")
            notice = (await user.chat())["notices"][-1]
            assert "меню устарело" in notice["text"]
            again = await user.send("/start")
            assert "адрес своего дома" in again.text  # consent is remembered in the database


async def test_a_double_tap_on_vote_casts_one_ballot(stand):
    user = stand.client.user(803, "Анна")
    await consent(user)
    await choose_house(user)
    await enter(user, Person())
    await user.press("✅ Всё верно")
    await user.press("👍 ЗА")
    await asyncio.gather(user.press("Да, голосую ЗА", wait=False), user.press("Да, голосую ЗА", wait=False))
    await user.wait_for("Ваш голос принят")
    await asyncio.sleep(0.5)
    async with stand.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 1
    receipts = [m for m in await user.messages() if "Ваш голос принят" in m.text]
    assert len(receipts) == 1


async def test_fifty_residents_vote_at_once(stand):
    users = [stand.client.user(900 + n, f"Житель {n}") for n in range(50)]
    codes = await asyncio.gather(*(vote(u, person(n)) for n, u in enumerate(users)))
    assert len(set(codes)) == 50
    async with stand.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 50


async def test_no_raw_identifier_in_the_database_or_the_log(stand, caplog):
    caplog.set_level(logging.DEBUG)
    await vote(stand.client.user(804, "Анна"), Person())
    await stand.engine.dispose()  # let SQLite write everything to its files
    stored = b"".join(p.read_bytes() for p in stand.database_file.parent.glob("vote.sqlite3*"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for raw in RAW + ["112-233-445", "Петрова"]:
        assert raw.encode() not in stored, raw
        assert raw not in logged, raw
    assert KUBINKA_HOUSE.encode() in stored  # the file is the right one and readable
