"""One sending rate for every process that talks to Telegram with the bot's token.

Telegram allows a bot about 30 messages a second to different chats (1,000 with
`allow_paid_broadcast`) and about one a second to one chat; a 429 answer (`retry_after`) means the
whole bot must wait. So every sender — the notice sender and the broadcaster, in any process — takes
its slots from one limiter:

* **GCRA without burst**: each message reserves the next slot of a shared timeline, `interval`
  seconds after the previous one (`interval` = 1 / the sender's rate). Slots are never saved up, so
  no one-second window ever holds more than `rate` messages, however senders come and go; a slot
  woken up for too late (`LATE`) is given up, so held-up messages never bunch.
* **a pause**: after a 429, nobody gets a slot until `retry_after` has passed.
* **one message a second per chat**.
* **a hold on announcements** while verdict notices are being sent (`hold_announcements`).

`RedisLimiter` keeps all of it in Redis, in one Lua script run atomically on Redis' own clock, so
any number of processes share it; `LocalLimiter` keeps it in the process (one process, SQLite).
"""
from __future__ import annotations

import asyncio
import time
from typing import Protocol

from redis.asyncio import Redis

#: the per-chat spacing Telegram asks for
CHAT_SPACING = 1.0
#: a sender waking later than this after its slot gives the slot up and takes a new one: messages
#: held up (a busy process) must not go out in a bunch with the ones that follow
LATE = 0.02


class SendLimiter(Protocol):
    async def acquire(self, interval: float, chat_id: int | None = None, *, within: float | None = None) -> bool:
        """Returns True at the moment this message may be sent (waiting out pauses and busy
        chats); False, at once, when that moment is more than `within` seconds away."""

    async def pause(self, seconds: float) -> None:
        """Telegram answered 429: nobody sends for `seconds`."""

    async def paused_for(self) -> float:
        """Seconds left of the pause (0 when sending is allowed)."""

    async def hold_announcements(self, seconds: float) -> None:
        """Notices are due: the broadcaster stands back for `seconds` (renewed while they are)."""

    async def announcements_held(self) -> bool: ...

    async def take_turn(self, name: str, seconds: float) -> bool:
        """True for one caller in every `seconds` (e.g. who edits a progress message now)."""


# Outcomes of one reservation: a slot `wait` seconds from now, or a reason to come back later.
_SLOT, _PAUSED, _CHAT_BUSY = 0, 1, 2


class LocalLimiter:
    """The limiter of one process."""

    def __init__(self, *, clock=time.monotonic) -> None:
        self._clock = clock
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._held_until = 0.0
        self._chat_free_at: dict[int, float] = {}
        self._turns: dict[str, float] = {}

    def _reserve(self, interval: float, chat_id: int | None) -> tuple[int, float]:
        now = self._clock()
        if self._paused_until > now:
            return _PAUSED, self._paused_until - now
        slot = max(self._next_slot, now)
        if chat_id is not None:
            free_at = self._chat_free_at.get(chat_id, 0.0)
            if free_at > slot:
                return _CHAT_BUSY, free_at - now
            if len(self._chat_free_at) > 50_000:  # forget chats long free again
                self._chat_free_at = {c: t for c, t in self._chat_free_at.items() if t > now}
            self._chat_free_at[chat_id] = slot + CHAT_SPACING
        self._next_slot = slot + interval
        return _SLOT, slot - now

    async def acquire(self, interval: float, chat_id: int | None = None, *, within: float | None = None) -> bool:
        give_up = None if within is None else self._clock() + within
        while True:
            if give_up is not None and self._paused_until > give_up:
                return False
            outcome, wait = self._reserve(interval, chat_id)
            slot = self._clock() + wait
            if wait > 0:
                await asyncio.sleep(wait)
            # a flood wait that began while this one waited for its slot, or a slot missed: given up
            now = self._clock()
            if outcome == _SLOT and self._paused_until <= now and now - slot <= LATE:
                return True

    async def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    async def hold_announcements(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self._clock() + seconds)

    async def announcements_held(self) -> bool:
        return self._held_until > self._clock()

    async def take_turn(self, name: str, seconds: float) -> bool:
        now = self._clock()
        if self._turns.get(name, 0.0) > now:
            return False
        self._turns[name] = now + seconds
        return True


# KEYS: next slot, pause, chat's key (or ""); ARGV: interval µs, chat spacing µs.
# Times are Redis' own microseconds, so processes on different machines agree.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return {1, paused - now} end
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
if KEYS[3] ~= '' then
  local free_at = tonumber(redis.call('GET', KEYS[3]) or '0')
  if free_at > slot then return {2, free_at - now} end
  redis.call('SET', KEYS[3], string.format('%d', slot + tonumber(ARGV[2])), 'PX',
             math.floor((slot - now + tonumber(ARGV[2])) / 1000) + 1000)
end
redis.call('SET', KEYS[1], string.format('%d', slot + tonumber(ARGV[1])), 'PX', 60000)
return {0, slot - now}
"""
# KEYS: pause; ARGV: seconds µs. The pause only ever grows.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local resume_at = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if resume_at > paused then
  redis.call('SET', KEYS[1], string.format('%d', resume_at), 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1000)
end
return 1
"""
_PAUSED_FOR = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if paused > now then return paused - now end
return 0
"""


class RedisLimiter:
    """The limiter shared through Redis by every process using the key prefix `prefix:bot_id`."""

    def __init__(self, redis: Redis, *, prefix: str, bot_id: int) -> None:
        self._redis = redis
        base = f"{prefix}:send:{bot_id}"
        self._slot_key, self._pause_key = f"{base}:slot", f"{base}:pause"
        self._hold_key, self._chat_key, self._turn_key = f"{base}:hold", f"{base}:chat:", f"{base}:turn:"
        self._reserve = redis.register_script(_RESERVE)
        self._pause = redis.register_script(_PAUSE)
        self._paused_for = redis.register_script(_PAUSED_FOR)
        self._paused_here_until = 0.0

    async def _reserve_once(self, interval: float, chat_id: int | None) -> tuple[int, float]:
        chat_key = f"{self._chat_key}{chat_id}" if chat_id is not None else ""
        outcome, wait = await self._reserve(keys=[self._slot_key, self._pause_key, chat_key],
                                            args=[round(interval * 1e6), round(CHAT_SPACING * 1e6)])
        return int(outcome), int(wait) / 1e6

    async def acquire(self, interval: float, chat_id: int | None = None, *, within: float | None = None) -> bool:
        give_up = None if within is None else time.monotonic() + within
        while True:
            outcome, wait = await self._reserve_once(interval, chat_id)
            slot = time.monotonic() + wait
            if outcome == _PAUSED and give_up is not None and slot > give_up:
                return False
            if wait > 0:
                await asyncio.sleep(wait)
            # a flood wait this process was told of while this one waited for its slot (another
            # process's is seen at the next reservation: at most the slots already reserved go out),
            # or a slot missed: given up
            now = time.monotonic()
            if outcome == _SLOT and self._paused_here_until <= now and now - slot <= LATE:
                return True

    async def pause(self, seconds: float) -> None:
        self._paused_here_until = max(self._paused_here_until, time.monotonic() + seconds)
        await self._pause(keys=[self._pause_key], args=[round(seconds * 1e6)])

    async def paused_for(self) -> float:
        return int(await self._paused_for(keys=[self._pause_key])) / 1e6

    async def hold_announcements(self, seconds: float) -> None:
        await self._redis.set(self._hold_key, "1", px=max(1, round(seconds * 1000)))

    async def announcements_held(self) -> bool:
        return bool(await self._redis.exists(self._hold_key))

    async def take_turn(self, name: str, seconds: float) -> bool:
        return bool(await self._redis.set(f"{self._turn_key}{name}", "1", nx=True,
                                          px=max(1, round(seconds * 1000))))


def bot_id_of(token: str) -> int:
    """The numeric part of a bot token: the limiter is the token's, whatever else shares Redis."""
    head = token.split(":", 1)[0]
    return int(head) if head.isdigit() else 0


def create_limiter(redis: Redis | None, *, prefix: str, token: str) -> SendLimiter:
    """Shared through Redis when there is one; the process's own otherwise."""
    if redis is None:
        return LocalLimiter()
    return RedisLimiter(redis, prefix=prefix, bot_id=bot_id_of(token))
