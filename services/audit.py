"""The audit log: every staff action (and, later, verdicts, limit hits, purges) as one entry of a
hash chain. `append` writes in the caller's transaction; the caller commits both together.

Appends take turns (`AuditRepository.lock_for_append`: an advisory lock on PostgreSQL, the write
lock on SQLite), so two processes never write the same place in the chain. Should two appends
still collide (a transaction begun as a reader on SQLite, a writer that bypasses the lock), the
database refuses the second (the id and `prev_hash` are unique): that caller's whole transaction
fails and nothing of it is kept. `retrying` runs a unit of work again after such a collision.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit_chain import GENESIS, ChainCheck, ChainRow, Problem, canonical_detail, entry_hash
from storage.repositories.audit import AuditRepository
from storage.staff import AuditEntry
from storage.types import utcnow

__all__ = ["CLI", "GENESIS", "AuditLog", "ChainReport", "actor_of", "entry_hash", "is_chain_collision",
           "retrying"]

CLI = "cli"  # the actor of the command line
T = TypeVar("T")


def actor_of(telegram_id: int) -> str:
    return f"tg:{telegram_id}"


@dataclass(frozen=True)
class ChainReport:
    """What `verify` found: `entries` read from entry `checked_from` on, and each problem."""

    entries: int
    problems: list[Problem] = field(default_factory=list)
    head: str = GENESIS  # the newest entry's hash
    checked_from: int = 1

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def whole(self) -> bool:
        return self.checked_from <= 1


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._entries = AuditRepository(session)

    async def append(self, actor: str, action: str, subject: str = "",
                     detail: dict[str, Any] | None = None, *, at: datetime | None = None) -> AuditEntry:
        """Adds an entry after the newest one. `detail` holds ids and codes, never personal data."""
        await self._entries.lock_for_append()
        last = await self._entries.newest_link()
        number, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = (at or utcnow()).astimezone(UTC)  # as it reads back, so that the hash can be recomputed
        detail = canonical_detail(detail)
        entry = AuditEntry(id=number, at=at, actor=actor, action=action, subject=subject, detail=detail,
                           prev_hash=prev_hash,
                           hash=entry_hash(prev_hash, id=number, at=at, actor=actor, action=action,
                                           subject=subject, detail=detail))
        await self._entries.add(entry)
        return entry

    async def newest(self, limit: int) -> list[AuditEntry]:
        """The newest `limit` entries, oldest of them first."""
        return await self._entries.newest(limit)

    async def count(self) -> int:
        return await self._entries.count()

    async def verify(self, *, newest: int | None = None, since: str = "") -> ChainReport:
        """Recomputes the chain, streaming the log in id order; `newest`: only the newest that many
        entries (the first of them taken on trust), for a quick look at a long log. `since`: a hash
        saved earlier, which must still be in the log."""
        checked_from = 1
        if newest is not None and await self._entries.count() > newest:
            checked_from = await self._entries.first_of_newest(newest)
        check = ChainCheck(trust_first=checked_from > 1, expected_head=since)
        async for row in self._entries.rows(from_id=checked_from):
            check.add(ChainRow(row.id, row.at, row.actor, row.action, row.subject, row.detail or {},
                               row.prev_hash, row.hash))
        problems = check.finish()
        return ChainReport(check.entries, problems, check.head, checked_from)


def is_chain_collision(error: IntegrityError) -> bool:
    """True when the database refused an entry because another took its place in the chain."""
    return "audit_log" in str(error.orig)


async def retrying(session: AsyncSession, unit: Callable[[], Awaitable[T]], *, attempts: int = 3) -> T:
    """Runs `unit` (a whole unit of work on `session` that appends and commits) again, from a
    rolled-back session, when its entry collided with another in the chain; any other failure,
    or a collision on the last attempt, is raised."""
    for attempt in range(1, attempts + 1):
        try:
            return await unit()
        except IntegrityError as error:
            await session.rollback()
            if attempt == attempts or not is_chain_collision(error):
                raise
    raise AssertionError("unreachable")  # pragma: no cover
