"""Who is staff: admins named in `ADMIN_IDS` and the roles kept in the database.

Every update of an admin router asks for the sender's roles, so they are cached per process for
`ttl` seconds; a grant or revocation in this process is seen at once (`forget`), in another
process within `ttl`.

Granting and revoking is an admin's (or the command line's) act: each change and its audit entry
are one transaction, committed before the call returns. An admin named in `ADMIN_IDS` stays one
whatever the database says: that role changes only in the settings.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit import CLI, AuditLog, actor_of, is_chain_collision, retrying
from storage.staff import Role, StaffRole
from storage.types import utcnow

NOBODY: frozenset[Role] = frozenset()
#: Telegram's user ids are positive and fit in 52 bits; anything longer is a typo
LONGEST_ID = 16


class Refusal(StrEnum):
    """Why a grant or revocation was not made."""

    NOT_ADMIN = "not_admin"  # the one asking is not an admin (any more)
    ALREADY_HELD = "already_held"
    NOT_HELD = "not_held"
    FROM_SETTINGS = "from_settings"  # an admin named in ADMIN_IDS
    OWN_ADMIN = "own_admin"  # an admin taking away their own role from the bot


class StaffChangeRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


@dataclass(frozen=True)
class StaffMember:
    telegram_id: int
    roles: frozenset[Role]
    #: named in ADMIN_IDS (an admin whatever the database says)
    from_settings: bool = False
    granted_at: datetime | None = None  # the earliest of its granted roles


def parse_telegram_id(text: str) -> int | None:
    """A Telegram user id as a person types it ("123456789"), or None."""
    text = text.strip()
    if not text.isdigit() or not text.isascii() or len(text) > LONGEST_ID or int(text) <= 0:
        return None
    return int(text)


class StaffDirectory:
    def __init__(self, admin_ids: Iterable[int] = (), *, ttl: float = 30.0, clock=time.monotonic) -> None:
        self.admin_ids = frozenset(admin_ids)
        self._ttl, self._clock = ttl, clock
        # every account whose update reaches a staff router is asked about (a resident's stray
        # word falls through them to the fallback): kept in the order the entries run out, so
        # that the stale ones go as new ones come and a city of residents is not remembered
        self._cache: OrderedDict[int, tuple[float, frozenset[Role]]] = OrderedDict()

    async def roles(self, session: AsyncSession, telegram_id: int) -> frozenset[Role]:
        now = self._clock()
        cached = self._cache.get(telegram_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        found = await session.scalars(select(StaffRole.role).where(StaffRole.telegram_id == telegram_id))
        roles = frozenset(Role(role) for role in found) or NOBODY
        if telegram_id in self.admin_ids:
            roles |= {Role.ADMIN}
        while self._cache and next(iter(self._cache.values()))[0] <= now:
            self._cache.popitem(last=False)
        self._cache[telegram_id] = (now + self._ttl, roles)
        self._cache.move_to_end(telegram_id)
        return roles

    def forget(self, telegram_id: int) -> None:
        self._cache.pop(telegram_id, None)

    async def members(self, session: AsyncSession) -> list[StaffMember]:
        """Everyone holding a role, by Telegram id; the ADMIN_IDS admins among them."""
        held: dict[int, set[Role]] = {telegram_id: {Role.ADMIN} for telegram_id in self.admin_ids}
        since: dict[int, datetime] = {}
        for row in await session.execute(select(StaffRole.telegram_id, StaffRole.role, StaffRole.granted_at)):
            held.setdefault(row.telegram_id, set()).add(Role(row.role))
            since[row.telegram_id] = min(since.get(row.telegram_id, row.granted_at), row.granted_at)
        return [StaffMember(telegram_id, frozenset(roles), telegram_id in self.admin_ids, since.get(telegram_id))
                for telegram_id, roles in sorted(held.items())]

    async def grant(self, session: AsyncSession, telegram_id: int, role: Role, *, by: int | None) -> None:
        """Gives `telegram_id` the role; `by` is the admin's Telegram id, None for the command line.
        Raises StaffChangeRefused."""
        async def unit() -> None:
            await self._may_change(session, by)
            if role in await self._granted(session, telegram_id) or (
                    role is Role.ADMIN and telegram_id in self.admin_ids):
                raise StaffChangeRefused(Refusal.ALREADY_HELD)
            session.add(StaffRole(telegram_id=telegram_id, role=role.value, granted_by=by, granted_at=utcnow()))
            await AuditLog(session).append(_actor(by), "staff.grant", actor_of(telegram_id), {"role": role.value})
            await session.commit()

        await self._changing(session, telegram_id, unit)

    async def revoke(self, session: AsyncSession, telegram_id: int, role: Role, *, by: int | None) -> None:
        """Takes the role from `telegram_id`. Raises StaffChangeRefused."""
        async def unit() -> None:
            await self._may_change(session, by)
            if role is Role.ADMIN and telegram_id in self.admin_ids:
                raise StaffChangeRefused(Refusal.FROM_SETTINGS)
            if role is Role.ADMIN and telegram_id == by:
                raise StaffChangeRefused(Refusal.OWN_ADMIN)
            removed = await session.execute(delete(StaffRole).where(
                StaffRole.telegram_id == telegram_id, StaffRole.role == role.value))
            if not removed.rowcount:
                raise StaffChangeRefused(Refusal.NOT_HELD)
            await AuditLog(session).append(_actor(by), "staff.revoke", actor_of(telegram_id), {"role": role.value})
            await session.commit()

        await self._changing(session, telegram_id, unit)

    async def _changing(self, session: AsyncSession, telegram_id: int, unit) -> None:
        try:
            await retrying(session, unit)
        except StaffChangeRefused:
            await session.rollback()
            raise
        except IntegrityError as error:
            if is_chain_collision(error):
                raise
            # the same role granted at the same moment from elsewhere: it is held now
            raise StaffChangeRefused(Refusal.ALREADY_HELD) from None
        finally:
            self.forget(telegram_id)

    async def _may_change(self, session: AsyncSession, by: int | None) -> None:
        if by is None:
            return
        self.forget(by)  # decided on what the database says now, not on a cached role
        if Role.ADMIN not in await self.roles(session, by):
            raise StaffChangeRefused(Refusal.NOT_ADMIN)

    @staticmethod
    async def _granted(session: AsyncSession, telegram_id: int) -> set[Role]:
        found = await session.scalars(select(StaffRole.role).where(StaffRole.telegram_id == telegram_id))
        return {Role(role) for role in found}


def _actor(by: int | None) -> str:
    return CLI if by is None else actor_of(by)
