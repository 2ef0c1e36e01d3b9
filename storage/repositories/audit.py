"""The audit log's rows: the newest entry under a lock, a new entry, every entry in order."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.staff import AuditEntry

#: the first key of PostgreSQL's advisory lock that makes appends take turns ("audi" in ASCII); the
#: second is the schema's, so deployments (or tests) sharing one database do not wait for each other
APPEND_LOCK = 0x61756469
STREAMED_PER = 1000


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_for_append(self) -> None:
        """Makes appends take turns until the transaction ends.

        PostgreSQL: a transaction-scoped advisory lock, so a second append reads the newest entry
        only after the first one has committed (READ COMMITTED reads anew each statement). SQLite:
        nothing more to do, since every writing transaction begins with `BEGIN IMMEDIATE` and holds
        the database's one write lock from its first statement (`storage.database`).
        """
        if self._session.get_bind().dialect.name == "postgresql":
            await self._session.execute(text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
                                        {"key": APPEND_LOCK})

    async def newest_link(self) -> tuple[int, str] | None:
        """(id, hash) of the newest entry."""
        row = (await self._session.execute(
            select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))).first()
        return (row.id, row.hash) if row else None

    async def add(self, entry: AuditEntry) -> None:
        self._session.add(entry)
        await self._session.flush()

    async def count(self) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    async def newest(self, limit: int) -> list[AuditEntry]:
        """The newest `limit` entries, oldest of them first."""
        found = await self._session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
        return list(reversed(found.all()))

    async def first_of_newest(self, limit: int) -> int:
        """The id from which the newest `limit` entries run."""
        ids = select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(limit).subquery()
        return int(await self._session.scalar(select(func.min(ids.c.id))) or 1)

    async def rows(self, *, from_id: int = 1) -> AsyncIterator[Any]:
        """Every entry from `from_id` on, in id order, read in batches (never the whole log at once):
        rows with the entry's columns by name."""
        columns = (AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.subject,
                   AuditEntry.detail, AuditEntry.prev_hash, AuditEntry.hash)
        statement = (select(*columns).where(AuditEntry.id >= from_id).order_by(AuditEntry.id)
                     .execution_options(yield_per=STREAMED_PER))
        result = await self._session.stream(statement)
        async for row in result:
            yield row
