"""Each update's effects once, however often Telegram delivers it.

Telegram delivers an update again when it got no 2xx answer in time, and a poller that dies
before confirming its offset is given the same updates again. So before any effect the update's
id is claimed: a short lease (renewed while the update is handled), then "done", kept for a day,
longer than Telegram goes on retrying. A delivery of a done update is acknowledged and does
nothing; one of an update being handled elsewhere right now is marked `busy` (the webhook
answers 503, so Telegram tries again later); a process killed mid-update leaves a lease that
runs out, and the next delivery handles the update. If a process dies after the effect and before
"done", the database's unique constraints keep the second handling from casting twice.

`RedisUpdateLog` is shared by every process (one Lua script, atomic); `LocalUpdateLog` serves one
process on the embedded defaults.
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from redis.asyncio import Redis

from bot.logs import current_update

log = logging.getLogger(__name__)
LEASE_SECONDS = 10.0
DONE_SECONDS = 24 * 3600


class Claim(Enum):
    GO = "go"  # ours to handle
    DONE = "done"  # handled before: nothing to do
    BUSY = "busy"  # being handled elsewhere now


@dataclass
class Delivery:
    """What the webhook learns of one request's update: held by another process now (`busy`, set
    by `OncePerUpdate`), or failed for want of Redis or the database (`retry`, `bot.errors`)."""

    busy: bool = False
    retry: bool = False


#: the delivery the webhook request is handling; the middleware marks it (contextvars reach it:
#: aiogram runs the update in a task that copies the request's context)
current_delivery: contextvars.ContextVar[Delivery | None] = contextvars.ContextVar("delivery", default=None)


class UpdateLog(Protocol):
    async def claim(self, update_id: int, owner: str) -> Claim: ...

    async def renew(self, update_id: int, owner: str) -> bool: ...

    async def finish(self, update_id: int) -> None: ...

    async def release(self, update_id: int, owner: str) -> None: ...


_CLAIM = """
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 'go'
end
if v == 'done' then return 'done' end
return 'busy'
"""
# renew or release only a lease that is still the caller's
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisUpdateLog:
    def __init__(self, redis: Redis, *, prefix: str, bot_id: int, lease: float = LEASE_SECONDS) -> None:
        self._redis = redis
        self._base = f"{prefix}:update:{bot_id}:"
        self._lease_ms = round(lease * 1000)
        self._claim = redis.register_script(_CLAIM)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def claim(self, update_id: int, owner: str) -> Claim:
        answer = await self._claim(keys=[f"{self._base}{update_id}"], args=[owner, self._lease_ms])
        return Claim(answer.decode() if isinstance(answer, bytes) else answer)

    async def renew(self, update_id: int, owner: str) -> bool:
        return bool(await self._renew(keys=[f"{self._base}{update_id}"], args=[owner, self._lease_ms]))

    async def finish(self, update_id: int) -> None:
        await self._redis.set(f"{self._base}{update_id}", "done", ex=DONE_SECONDS)

    async def release(self, update_id: int, owner: str) -> None:
        await self._release(keys=[f"{self._base}{update_id}"], args=[owner])


class LocalUpdateLog:
    """One process's log: the latest `keep` update ids (Telegram's ids only grow)."""

    def __init__(self, *, keep: int = 100_000, clock=time.monotonic, lease: float = LEASE_SECONDS) -> None:
        self._entries: OrderedDict[int, tuple[str, float]] = OrderedDict()
        self._keep, self._clock, self._lease = keep, clock, lease

    async def claim(self, update_id: int, owner: str) -> Claim:
        entry = self._entries.get(update_id)
        if entry is not None:
            holder, until = entry
            if holder == "done":
                return Claim.DONE
            if until > self._clock():
                return Claim.BUSY
        self._entries[update_id] = (owner, self._clock() + self._lease)
        while len(self._entries) > self._keep:
            self._entries.popitem(last=False)
        return Claim.GO

    async def renew(self, update_id: int, owner: str) -> bool:
        entry = self._entries.get(update_id)
        if entry is None or entry[0] != owner:
            return False
        self._entries[update_id] = (owner, self._clock() + self._lease)
        return True

    async def finish(self, update_id: int) -> None:
        self._entries[update_id] = ("done", float("inf"))

    async def release(self, update_id: int, owner: str) -> None:
        entry = self._entries.get(update_id)
        if entry is not None and entry[0] == owner:
            del self._entries[update_id]


def create_update_log(redis: Redis | None, *, prefix: str, bot_id: int) -> UpdateLog:
    return LocalUpdateLog() if redis is None else RedisUpdateLog(redis, prefix=prefix, bot_id=bot_id)


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class OncePerUpdate(BaseMiddleware):
    """The outermost update middleware: claims the update before anything else runs."""

    def __init__(self, updates: UpdateLog, *, lease: float = LEASE_SECONDS) -> None:
        self._updates = updates
        self._lease = lease

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        owner = secrets.token_hex(8)
        claim = await self._updates.claim(event.update_id, owner)
        if claim is not Claim.GO:
            delivery = current_delivery.get()
            if claim is Claim.BUSY and delivery is not None:
                delivery.busy = True
            log.info("update %d delivered again (%s): not handled twice", event.update_id, claim.value)
            return UNHANDLED
        current_update.set(event.update_id)  # the update's own task: its log lines carry the id
        async with self._leased(event.update_id, owner):
            try:
                result = await handler(event, data)
            except Exception:
                # a fault is not an effect done: the next delivery tries again
                await self._updates.release(event.update_id, owner)
                raise
        await self._updates.finish(event.update_id)
        return result

    @contextlib.asynccontextmanager
    async def _leased(self, update_id: int, owner: str) -> AsyncIterator[None]:
        keeper = asyncio.create_task(self._keep(update_id, owner))
        try:
            yield
        finally:
            keeper.cancel()

    async def _keep(self, update_id: int, owner: str) -> None:
        while True:
            await asyncio.sleep(self._lease / 3)
            if not await self._updates.renew(update_id, owner):
                log.warning("update %d outlived its lease (%.0f s)", update_id, self._lease)
                return
