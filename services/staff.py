"""Who is staff: admins named in `ADMIN_IDS` and the roles kept in the database.

Every update of an admin router asks for the sender's roles, so they are cached per process for
`ttl` seconds; a grant or revocation in this process is seen at once (`forget`), in another
process within `ttl`.
"""
from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.staff import Role, StaffRole

NOBODY: frozenset[Role] = frozenset()


class StaffDirectory:
    def __init__(self, admin_ids: Iterable[int] = (), *, ttl: float = 30.0) -> None:
        self.admin_ids = frozenset(admin_ids)
        self._ttl = ttl
        self._cache: dict[int, tuple[float, frozenset[Role]]] = {}

    async def roles(self, session: AsyncSession, telegram_id: int) -> frozenset[Role]:
        now = time.monotonic()
        cached = self._cache.get(telegram_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        found = await session.scalars(select(StaffRole.role).where(StaffRole.telegram_id == telegram_id))
        roles = frozenset(Role(role) for role in found)
        if telegram_id in self.admin_ids:
            roles |= {Role.ADMIN}
        self._cache[telegram_id] = (now + self._ttl, roles)
        return roles

    def forget(self, telegram_id: int) -> None:
        self._cache.pop(telegram_id, None)
