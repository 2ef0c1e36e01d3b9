"""Events isolation on Redis with a short lease and a bounded wait, and the resident's FSM state
read once per update.

aiogram's Redis isolation holds a resident's lock for up to 60 s and waits for it without
limit: after a process is killed mid-update, the resident's next press hangs until the lock
expires. Here the lock lives `hold` seconds and is renewed while its update is still being
handled, so a dead process frees it within `hold`; an update that cannot get it within `wait`
raises `ResidentBusy`, and the resident is asked to try again.

While the lock is held nobody else changes that resident's state, so the script that takes the
lock also reads their state and data, and `HeldRedisStorage` answers the update's further reads
from that copy (writes still go to Redis at once). Every Redis round trip costs two system calls
and a wake-up of the loop; aiogram's storage would make four to six of them per update.
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncGenerator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.commands.core import AsyncScript
from redis.exceptions import LockError

log = logging.getLogger(__name__)
HOLD_SECONDS = 5.0
WAIT_SECONDS = 4.0

# KEYS: the lock, the state, the data; ARGV: the lock's token, its lease in ms
_TAKE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('GET', KEYS[2]) or false, redis.call('GET', KEYS[3]) or false}
end
return {0}
"""


class ResidentBusy(Exception):
    """The resident's previous update still holds their lock after the bounded wait."""


@dataclass
class _Held:
    """A locked resident's state and data as stored (data as its JSON text)."""

    state: str | None
    data: str | None
    open: bool = True


_held: contextvars.ContextVar[Mapping[StorageKey, _Held]] = contextvars.ContextVar("held_fsm", default={})


def _text(value: bytes | str | None) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class HeldRedisStorage(RedisStorage):
    """aiogram's Redis storage that answers a locked resident's reads from the lock's copy."""

    @contextlib.contextmanager
    def held(self, key: StorageKey, state: bytes | None, data: bytes | None) -> Iterator[None]:
        entry = _Held(_text(state), _text(data))
        token = _held.set({**_held.get(), key: entry})
        try:
            yield
        finally:
            entry.open = False  # a task started by the update and outliving the lock reads Redis
            _held.reset(token)

    def _entry(self, key: StorageKey) -> _Held | None:
        entry = _held.get().get(key)
        return entry if entry is not None and entry.open else None

    async def get_state(self, key: StorageKey) -> str | None:
        entry = self._entry(key)
        return entry.state if entry is not None else await super().get_state(key)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await super().set_state(key, state)
        entry = self._entry(key)
        if entry is not None:
            entry.state = state.state if isinstance(state, State) else state

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        entry = self._entry(key)
        if entry is None:
            return await super().get_data(key)
        return self.json_loads(entry.data) if entry.data else {}

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await super().set_data(key, data)
        entry = self._entry(key)
        if entry is not None:
            entry.data = self.json_dumps(data) if data else None


class _TakingLock(Lock):
    """redis-py's lock whose acquiring script also reads the resident's state and data."""

    def __init__(self, redis: Redis, name: str, *, take: AsyncScript, state_key: str, data_key: str,
                 **options: Any) -> None:
        super().__init__(redis, name, **options)
        self._take, self._state_key, self._data_key = take, state_key, data_key
        self.read: tuple[bytes | None, bytes | None] = (None, None)

    async def do_acquire(self, token: str | bytes) -> bool:
        answer = await self._take(keys=[self.name, self._state_key, self._data_key],
                                  args=[token, int(self.timeout * 1000)])
        if not answer[0]:
            return False
        self.read = (answer[1], answer[2])
        return True


class BoundedRedisIsolation(BaseEventIsolation):
    def __init__(self, redis: Redis, storage: HeldRedisStorage, *, hold: float = HOLD_SECONDS,
                 wait: float = WAIT_SECONDS) -> None:
        self.redis = redis
        self.storage = storage
        self.hold = hold
        self.wait = wait
        self._take = redis.register_script(_TAKE)

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        build = self.storage.key_builder.build
        lock = _TakingLock(self.redis, build(key, "lock"), take=self._take, state_key=build(key, "state"),
                           data_key=build(key, "data"), timeout=self.hold, blocking_timeout=self.wait)
        if not await lock.acquire():
            raise ResidentBusy
        keeper = asyncio.create_task(self._keep(lock))
        try:
            with self.storage.held(key, *lock.read):
                yield None
        finally:
            keeper.cancel()
            try:
                await lock.release()
            except LockError:
                log.warning("an update outlived its isolation lock (held over %.0f s)", self.hold)

    async def _keep(self, lock: Lock) -> None:
        """Renews the lease while the update is handled; stops once the lock is no longer ours."""
        try:
            while True:
                await asyncio.sleep(self.hold / 3)
                await lock.reacquire()
        except LockError:
            return

    async def close(self) -> None:
        pass
