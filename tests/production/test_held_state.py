"""A resident's FSM state read by the lock that isolates their update: within the update every
read sees the update's own writes, a read hands out a fresh copy, writes reach Redis at once (a
second process sees them), and outside the lock every read goes to Redis."""
import asyncio

import pytest
from redis.asyncio import Redis

from bot.dispatcher import create_fsm
from bot.isolation import ResidentBusy
from aiogram.fsm.storage.base import StorageKey

pytestmark = pytest.mark.redis

KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)


async def test_reads_within_the_lock_follow_the_updates_own_writes(redis_url, key_prefix):
    redis, other_redis = Redis.from_url(redis_url), Redis.from_url(redis_url)
    storage, isolation = create_fsm(redis, key_prefix)
    other, _ = create_fsm(other_redis, key_prefix)  # another process's storage
    try:
        await other.set_state(KEY, "Vote:flat")
        await other.set_data(KEY, {"poll_id": 3, "answers": {"flat": "12"}})
        async with isolation.lock(KEY):
            assert await storage.get_state(KEY) == "Vote:flat"
            data = await storage.get_data(KEY)
            data["answers"]["flat"] = "changed without saving"
            assert (await storage.get_data(KEY))["answers"] == {"flat": "12"}
            await storage.update_data(KEY, {"field": "fls"})
            await storage.set_state(KEY, "Vote:fls")
            assert await storage.get_data(KEY) == {"poll_id": 3, "answers": {"flat": "12"}, "field": "fls"}
            assert await storage.get_state(KEY) == "Vote:fls"
            # written through: the other process sees it while the update still runs
            assert await other.get_state(KEY) == "Vote:fls"
            assert (await other.get_data(KEY))["field"] == "fls"
            await storage.set_data(KEY, {})
            await storage.set_state(KEY, None)
            assert await storage.get_data(KEY) == {} and await storage.get_state(KEY) is None
            assert await other.get_data(KEY) == {} and await other.get_state(KEY) is None
        await other.set_state(KEY, "Vote:address")  # after the lock: the next read asks Redis
        assert await storage.get_state(KEY) == "Vote:address"
        async with isolation.lock(KEY):
            assert await storage.get_state(KEY) == "Vote:address"
    finally:
        await redis.delete(*[k async for k in redis.scan_iter(f"{key_prefix}:*")] or ["none"])
        await redis.aclose()
        await other_redis.aclose()


async def test_a_second_update_of_the_resident_waits_then_reads_what_the_first_wrote(redis_url, key_prefix):
    redis = Redis.from_url(redis_url)
    storage, isolation = create_fsm(redis, key_prefix)
    isolation.wait = 2.0
    order: list[str] = []

    async def first() -> None:
        async with isolation.lock(KEY):
            order.append("first")
            await asyncio.sleep(0.3)
            await storage.set_state(KEY, "Vote:review")

    async def second() -> None:
        await asyncio.sleep(0.05)
        async with isolation.lock(KEY):
            order.append(await storage.get_state(KEY))

    try:
        await asyncio.gather(first(), second())
        assert order == ["first", "Vote:review"]
        isolation.wait = 0.2
        async with isolation.lock(KEY):
            with pytest.raises(ResidentBusy):
                await asyncio.wait_for(second(), 2)
    finally:
        await redis.delete(*[k async for k in redis.scan_iter(f"{key_prefix}:*")] or ["none"])
        await redis.aclose()
