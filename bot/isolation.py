"""Events isolation on Redis with a short lease and a bounded wait.

aiogram's Redis isolation holds a resident's lock for up to 60 s and waits for it without
limit: after a process is killed mid-update, the resident's next press hangs until the lock
expires. Here the lock lives `hold` seconds and is renewed while its update is still being
handled, so a dead process frees it within `hold`; an update that cannot get it within `wait`
raises `ResidentBusy`, and the resident is asked to try again.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator

from aiogram.fsm.storage.base import BaseEventIsolation, KeyBuilder, StorageKey
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

log = logging.getLogger(__name__)
HOLD_SECONDS = 5.0
WAIT_SECONDS = 4.0


class ResidentBusy(Exception):
    """The resident's previous update still holds their lock after the bounded wait."""


class BoundedRedisIsolation(BaseEventIsolation):
    def __init__(self, redis: Redis, key_builder: KeyBuilder, *, hold: float = HOLD_SECONDS,
                 wait: float = WAIT_SECONDS) -> None:
        self.redis = redis
        self.key_builder = key_builder
        self.hold = hold
        self.wait = wait

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock = self.redis.lock(self.key_builder.build(key, "lock"), timeout=self.hold,
                               blocking_timeout=self.wait, lock_class=Lock)
        if not await lock.acquire():
            raise ResidentBusy
        keeper = asyncio.create_task(self._keep(lock))
        try:
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
