"""The account limiter on both backends: a burst, one told refusal a cool-down, then silence; a
refused update counts for no limit; Redis shares its counts between processes and lets them expire."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.limits import Hit, LocalAccountLimiter, Rate, RedisAccountLimiter
from bot.settings import Settings
from tests.plugins.services import REDIS_URL, _require

SLOW = Rate("updates", burst=3, window=30.0, cooldown=30.0)  # nothing is earned back within a test


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
async def limiters(request):
    """A way to make limiters that share their counts as two processes would (Redis), or as
    two parts of one process do (memory)."""
    if request.param == "local":
        shared = LocalAccountLimiter()
        yield lambda: shared
        return
    _require("Redis", "127.0.0.1", 6379)  # as the `redis_url` fixture does (an async one cannot be asked for here)
    url, prefix = REDIS_URL, request.getfixturevalue("key_prefix")
    connections: list[Redis] = []

    def make() -> RedisAccountLimiter:
        connections.append(Redis.from_url(url))
        return RedisAccountLimiter(connections[-1], prefix=prefix)

    yield make
    for redis in connections:
        async for key in redis.scan_iter(f"{prefix}:*"):
            await redis.delete(key)
        await redis.aclose()


async def takes(limiter, account: int, rates, times: int) -> list[Hit | None]:
    return [await limiter.take(account, rates) for _ in range(times)]


async def test_a_burst_passes_then_one_refusal_is_told_and_the_rest_are_silent(limiters):
    limiter = limiters()
    assert await takes(limiter, 7, [SLOW], 3) == [None, None, None]
    assert await takes(limiter, 7, [SLOW], 3) == [Hit(SLOW, tell=True), Hit(SLOW, tell=False), Hit(SLOW, tell=False)]
    assert await limiter.take(8, [SLOW]) is None  # another account has its own count


async def test_after_the_cool_down_updates_pass_again_and_a_new_refusal_is_told_again(limiters):
    rate = Rate("updates", burst=2, window=2.0, cooldown=1.2)  # one earned back a second
    limiter = limiters()
    assert await takes(limiter, 7, [rate], 3) == [None, None, Hit(rate, tell=True)]
    await asyncio.sleep(1.3)
    assert await limiter.take(7, [rate]) is None
    assert await limiter.take(7, [rate]) == Hit(rate, tell=True)


async def test_a_refused_update_counts_for_no_other_limit(limiters):
    updates = Rate("updates", burst=5, window=60.0, cooldown=60.0)
    searches = Rate("searches", burst=1, window=60.0, cooldown=60.0)
    limiter = limiters()
    assert await limiter.take(7, [updates, searches]) is None
    assert await limiter.take(7, [updates, searches]) == Hit(searches, tell=True)
    assert await limiter.take(7, [updates, searches]) == Hit(searches, tell=False)
    # the two refused searches took nothing from the updates: 5 - 1 are left
    assert await takes(limiter, 7, [updates], 5) == [None] * 4 + [Hit(updates, tell=True)]


async def test_two_limiters_share_one_count(limiters):
    first, second = limiters(), limiters()
    assert await takes(first, 7, [SLOW], 2) == [None, None]
    assert await second.take(7, [SLOW]) is None
    assert await first.take(7, [SLOW]) == Hit(SLOW, tell=True)
    assert await second.take(7, [SLOW]) == Hit(SLOW, tell=False)


@pytest.mark.redis
async def test_redis_counts_are_atomic_across_connections_and_expire_under_the_prefix(redis_url, key_prefix):
    connections = [Redis.from_url(redis_url) for _ in range(4)]
    try:
        limiters = [RedisAccountLimiter(redis, prefix=key_prefix) for redis in connections]
        found = await asyncio.gather(*(limiters[n % 4].take(7, [SLOW]) for n in range(20)))
        assert found.count(None) == 3
        assert [hit.tell for hit in found if hit is not None].count(True) == 1
        keys = sorted([key.decode() async for key in connections[0].scan_iter(f"{key_prefix}:*")])
        assert keys == [f"{key_prefix}:limits:{{7}}:updates", f"{key_prefix}:limits:{{7}}:updates:quiet"]
        ttls = [await connections[0].pttl(key) for key in keys]
        assert all(0 < ttl <= 30_000 for ttl in ttls), ttls
    finally:
        for key in [key async for key in connections[0].scan_iter(f"{key_prefix}:*")]:
            await connections[0].delete(key)
        for redis in connections:
            await redis.aclose()


async def test_in_memory_one_is_earned_back_every_window_over_burst_seconds():
    clock = Clock()
    rate = Rate("updates", burst=4, window=2.0, cooldown=5.0)
    limiter = LocalAccountLimiter(clock=clock)
    assert await takes(limiter, 7, [rate], 4) == [None] * 4
    clock.now += 0.49
    assert await limiter.take(7, [rate]) == Hit(rate, tell=True)
    clock.now += 5.0  # the cool-down is over and the bucket full again
    assert await takes(limiter, 7, [rate], 5) == [None] * 4 + [Hit(rate, tell=True)]
    clock.now += 5.5
    for _ in range(8):  # a steady one every half second is always allowed
        assert await limiter.take(7, [rate]) is None
        clock.now += 0.5


async def test_in_memory_accounts_with_a_full_bucket_are_forgotten_past_its_size():
    clock = Clock()
    rate = Rate("updates", burst=2, window=2.0, cooldown=5.0)
    limiter = LocalAccountLimiter(clock=clock, keep=10)
    for account in range(10):
        await limiter.take(account, [rate])
    clock.now += 10
    await limiter.take(99, [rate])
    assert len(limiter._due) == 1  # only the account just seen


def test_every_limit_is_documented_in_env_example_with_its_default():
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^(LIMIT_[A-Z_]+)=(\S+)$", example, flags=re.MULTILINE))
    defaults = {name.upper(): field.default for name, field in Settings.model_fields.items()
                if name.startswith("limit_")}
    assert set(documented) == set(defaults) and len(defaults) == 9
    assert {name: float(value) for name, value in documented.items()} == defaults
