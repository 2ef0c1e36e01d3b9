"""The audit log: every staff action (and, later, verdicts, limit hits, purges) as one entry of a
hash chain. `append` writes in the caller's transaction; the caller commits.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.staff import AuditEntry
from storage.types import utcnow

GENESIS = "0" * 64


def actor_of(telegram_id: int) -> str:
    return f"tg:{telegram_id}"


def entry_hash(prev_hash: str, *, id: int, at: datetime, actor: str, action: str, subject: str,
               detail: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"id": id, "at": at.isoformat(timespec="microseconds"), "actor": actor, "action": action,
         "subject": subject, "detail": detail},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(self, actor: str, action: str, subject: str = "",
                     detail: dict[str, Any] | None = None, *, at: datetime | None = None) -> AuditEntry:
        """Adds an entry after the newest one. `detail` holds ids and codes, never personal data."""
        last = (await self._session.execute(
            select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))).first()
        number, prev_hash = (last.id + 1, last.hash) if last else (1, GENESIS)
        at = at or utcnow()
        detail = dict(detail or {})
        entry = AuditEntry(id=number, at=at, actor=actor, action=action, subject=subject, detail=detail,
                           prev_hash=prev_hash,
                           hash=entry_hash(prev_hash, id=number, at=at, actor=actor, action=action,
                                           subject=subject, detail=detail))
        self._session.add(entry)
        await self._session.flush()
        return entry
