"""The outbox: notices queued with the decision that caused them, sent by a worker.

A sender `claim`s due notices (moving `next_attempt_at` ahead as a lease, SKIP LOCKED on
PostgreSQL), commits, sends each one, and marks it sent in its own short transaction right
after Telegram accepted it. What remains at-least-once: a sender killed between Telegram's
acceptance and that commit sends the notice again once the lease runs out. Notices to a chat
whose resident is marked unreachable (the bot was blocked) are held, not retried, until the
resident writes to the bot again.

Verdict notices (one resident, one ballot) go before the results notices a publication queues
for every voter at once: due notices are claimed by kind first (results last), then oldest
first, so a verdict decided while thousands of results notices wait is sent within seconds.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import BallotEvent, EventKind, OutboxMessage, Resident
from storage.repositories.dialect import conflict_insert
from storage.repositories.residents import ResidentRepository

#: A notice failing this many times stays unsent with its last error, for an operator to see.
MAX_ATTEMPTS = 10
ERROR_MAX = 500
#: A poll's results published: one notice per voter and house they voted in.
RESULTS_NOTICE = "results"
_CHUNK = 5_000  # rows a statement


@dataclass(frozen=True, slots=True)
class OutgoingNotice:
    id: int
    chat_id: int
    kind: str
    payload: Mapping[str, Any]
    attempts: int  # including the current one
    language: str | None  # the resident's language now, if the chat is a resident's


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    sent: int
    waiting: int  # unsent and still tried
    held: int  # unsent, the resident unreachable
    failed: int  # unsent after MAX_ATTEMPTS


def _blocked_chat() -> Any:
    return exists().where(Resident.telegram_id == OutboxMessage.chat_id,
                          Resident.unreachable_at.is_not(None))


def _sending_order() -> tuple[Any, ...]:
    """Results notices (a publication's bulk) after every other kind, then oldest first."""
    return (case((OutboxMessage.kind == RESULTS_NOTICE, 1), else_=0), OutboxMessage.next_attempt_at,
            OutboxMessage.id)


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def queue(self, chat_id: int, kind: str, payload: Mapping[str, Any], *, at: datetime,
                    dedupe_key: str | None = None) -> bool:
        """Queues a notice; False when one with the same `dedupe_key` is already queued."""
        statement = conflict_insert(self.session, OutboxMessage).values(
            chat_id=chat_id, kind=kind, payload=dict(payload), dedupe_key=dedupe_key,
            created_at=at, next_attempt_at=at, attempts=0)
        result = await self.session.execute(
            statement.on_conflict_do_nothing(index_elements=["dedupe_key"]))
        return result.rowcount > 0

    async def queue_many(self, kind: str, notices: Sequence[tuple[int, Mapping[str, Any], str]], *,
                         at: datetime) -> int:
        """Queues (chat_id, payload, dedupe_key) notices of one kind in bulk, each key once;
        returns how many were offered. The caller commits."""
        rows = [{"chat_id": chat_id, "kind": kind, "payload": dict(payload), "dedupe_key": key,
                 "created_at": at, "next_attempt_at": at, "attempts": 0} for chat_id, payload, key in notices]
        statement = conflict_insert(self.session, OutboxMessage.__table__).on_conflict_do_nothing(
            index_elements=["dedupe_key"])
        for start in range(0, len(rows), _CHUNK):
            await self.session.execute(statement, rows[start:start + _CHUNK])
        return len(rows)

    async def drop_unsent(self, dedupe_prefix: str) -> int:
        """Removes unsent notices whose dedupe key starts with `dedupe_prefix` (news overtook
        them); returns how many. The caller commits."""
        result = await self.session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.dedupe_key.like(f"{dedupe_prefix}%"))
            .execution_options(synchronize_session=False))
        return result.rowcount

    async def count_queued(self, dedupe_prefix: str) -> int:
        """Notices, sent or not, whose dedupe key starts with `dedupe_prefix`."""
        return await self.session.scalar(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.dedupe_key.like(f"{dedupe_prefix}%")))

    async def claim(self, *, now: datetime, lease_until: datetime, limit: int,
                    max_attempts: int = MAX_ATTEMPTS) -> list[OutgoingNotice]:
        """Leases up to `limit` due notices until `lease_until`, results notices last, else
        oldest first; the caller commits at once."""
        due = (select(OutboxMessage.id)
               .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now,
                      OutboxMessage.attempts < max_attempts, ~_blocked_chat())
               .order_by(*_sending_order())
               .limit(limit)
               .with_for_update(skip_locked=True, of=OutboxMessage))
        ids = list(await self.session.scalars(due))
        if not ids:
            return []
        await self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids))
            .values(next_attempt_at=lease_until, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False))
        statement = (
            select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.kind,
                   OutboxMessage.payload, OutboxMessage.attempts, Resident.language)
            .outerjoin(Resident, Resident.telegram_id == OutboxMessage.chat_id)
            .where(OutboxMessage.id.in_(ids))
            .order_by(*_sending_order())
        )
        return [OutgoingNotice(row.id, row.chat_id, row.kind, row.payload, row.attempts, row.language)
                for row in await self.session.execute(statement)]

    async def mark_sent(self, notice_id: int, *, at: datetime, ballot_id: int | None = None,
                        message_id: int | None = None) -> None:
        """Telegram accepted the notice: it is never sent again; a ballot's history says so.
        The caller commits (at once: until then a crash means sending it again)."""
        await self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == notice_id)
            .values(sent_at=at, last_error=None).execution_options(synchronize_session=False))
        if ballot_id is not None:
            self.session.add(BallotEvent(ballot_id=ballot_id, at=at, kind=EventKind.NOTIFIED,
                                         detail={"notice_id": notice_id, "message_id": message_id}))
            await self.session.flush()

    async def postpone(self, notice_id: int, *, until: datetime, error: str,
                       count_attempt: bool = True) -> None:
        """Tries the notice again at `until`; a flood wait (`count_attempt=False`) is not the
        notice's failure and does not use up its attempts."""
        values: dict[str, Any] = {"next_attempt_at": until, "last_error": error[:ERROR_MAX]}
        if not count_attempt:
            values["attempts"] = case((OutboxMessage.attempts > 0, OutboxMessage.attempts - 1), else_=0)
        await self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == notice_id).values(**values)
            .execution_options(synchronize_session=False))

    async def hold_for_unreachable(self, notice_id: int, chat_id: int, *, at: datetime,
                                   error: str) -> None:
        """Telegram refuses the chat (bot blocked): the resident is marked unreachable and
        the notice waits, untried, until they write to the bot again."""
        await ResidentRepository(self.session).mark_unreachable(chat_id, at)
        await self.postpone(notice_id, until=at, error=error)

    async def counts(self, max_attempts: int = MAX_ATTEMPTS) -> OutboxCounts:
        unsent = OutboxMessage.sent_at.is_(None)
        statement = select(
            func.count().filter(OutboxMessage.sent_at.is_not(None)),
            func.count().filter(and_(unsent, OutboxMessage.attempts < max_attempts, ~_blocked_chat())),
            func.count().filter(and_(unsent, _blocked_chat())),
            func.count().filter(and_(unsent, OutboxMessage.attempts >= max_attempts, ~_blocked_chat())),
        ).select_from(OutboxMessage)
        sent, waiting, held, failed = (await self.session.execute(statement)).one()
        return OutboxCounts(sent, waiting, held, failed)
