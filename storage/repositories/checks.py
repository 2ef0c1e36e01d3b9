"""Registry checks: pending ballots leased to verification workers, and their verdicts recorded.

A round of a worker: `claim` leases up to N due ballots under the round's token (SELECT … FOR
UPDATE SKIP LOCKED on PostgreSQL, so two workers never take one ballot; SQLite's write lock
serialises claims), the worker asks the registries outside any transaction, and `record`
writes every verdict — the ballot's status, a `verdict` event with the evidence, the notice in
the outbox — in one transaction, but only for ballots the token still holds. A worker killed
at any point leaves its ballots leased until `due_at` passes; then another worker takes them
again, and nothing was written twice because nothing of that round was written at all.

A new ballot is queued by a database trigger (see `storage.models.RegistryCheck`); a corrected
one (`BallotRepository.correct_personal_data`) by `requeue`, which also voids any lease taken
before the correction, so a verdict on the old data is never recorded.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    IDENTIFIER_KINDS, Ballot, BallotEvent, BallotPersonalData, BallotStatus, EventKind, Flat, House,
    OutboxMessage, Poll, RegistryCheck, Resident,
)
from storage.repositories.dialect import among, conflict_insert
from verification.levels import Levels

VERDICT_NOTICE = "verdict"


@dataclass(frozen=True, slots=True)
class BallotUnderCheck:
    """What a worker needs to check one leased ballot; `sealed` is the voter's data, sealed."""

    ballot_id: int
    receipt: str
    poll_id: int
    poll_title: str
    levels: Levels
    unom: int
    house: str
    flat: str
    chat_id: int | None  # None for a paper ballot: nobody to notify in the bot
    cast_at: datetime
    attempts: int
    sealed: bytes | None
    key_version: int | None
    answers: bytes | None  # the definitive answers of earlier attempts, sealed
    answers_key_version: int | None
    digests: Mapping[str, str] = field(default_factory=dict)  # identifier kind → its stored HMAC


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A worker's outcome for one ballot: a verdict (counted/rejected) or another wait."""

    ballot_id: int
    status: str  # a BallotStatus value
    detail: Mapping[str, Any] = field(default_factory=dict)  # the verdict event: no personal data
    chat_id: int | None = None
    notice: Mapping[str, Any] | None = None  # the outbox payload for a verdict
    reasons: tuple[str, ...] = ()
    retry_at: datetime | None = None  # when to ask again (pending only)
    waiting_for: tuple[str, ...] = ()
    answers: bytes | None = None
    key_version: int | None = None


@dataclass(frozen=True, slots=True)
class WaitingBallot:
    """A pending ballot as the operator sees it: no personal data."""

    ballot_id: int
    receipt: str
    poll_id: int
    poll_title: str
    house: str
    cast_at: datetime
    verdict_days: int
    attempts: int
    waiting_for: tuple[str, ...]


class RegistryCheckRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def queue_missing(self, now: datetime) -> int:
        """Queues pending ballots that have no check (the triggers normally see to it)."""
        missing = (
            select(Ballot.id, Ballot.updated_at)
            .where(Ballot.status == BallotStatus.PENDING,
                   ~exists().where(RegistryCheck.ballot_id == Ballot.id))
        )
        ids = [(ballot_id, at) for ballot_id, at in await self.session.execute(missing)]
        if ids:
            statement = conflict_insert(self.session, RegistryCheck).on_conflict_do_nothing(
                index_elements=["ballot_id"])
            await self.session.execute(statement, [
                {"ballot_id": ballot_id, "due_at": min(at, now), "attempts": 0, "waiting_for": []}
                for ballot_id, at in ids])
        return len(ids)

    async def claim(self, token: str, *, now: datetime, lease_until: datetime,
                    limit: int) -> list[BallotUnderCheck]:
        """Leases up to `limit` due ballots to `token` until `lease_until`, oldest due first.

        Checks of ballots no longer pending are dropped on the way. The caller commits at
        once: the lease is what keeps other workers away, not the transaction.
        """
        due = (select(RegistryCheck.ballot_id)
               .where(RegistryCheck.due_at <= now)
               .order_by(RegistryCheck.due_at, RegistryCheck.ballot_id)
               .limit(limit)
               .with_for_update(skip_locked=True))
        ids = list(await self.session.scalars(due))
        if not ids:
            return []
        await self.session.execute(
            update(RegistryCheck).where(among(self.session, RegistryCheck.ballot_id, ids))
            .values(due_at=lease_until, leased_by=token, attempts=RegistryCheck.attempts + 1)
            .execution_options(synchronize_session=False))
        # Core tables rather than ORM attributes: thousands of plain rows, nothing to track
        c, b, p, h, f, r, d = (RegistryCheck.__table__, Ballot.__table__, Poll.__table__,
                               House.__table__, Flat.__table__, Resident.__table__,
                               BallotPersonalData.__table__)
        statement = (
            select(c.c.ballot_id, c.c.attempts, c.c.answers, c.c.key_version, b.c.receipt_code,
                   b.c.status, b.c.created_at, p.c.id.label("poll_id"), p.c.title,
                   p.c.identity_level, p.c.apartment_level, h.c.unom, h.c.address, f.c.number,
                   r.c.telegram_id, d.c.sealed, d.c.key_version.label("data_key_version"),
                   d.c.passport_hmac, d.c.snils_hmac, d.c.fls_hmac, d.c.property_document_hmac)
            .select_from(c.join(b, b.c.id == c.c.ballot_id).join(p, p.c.id == b.c.poll_id)
                         .join(h, h.c.id == b.c.house_id).join(f, f.c.id == b.c.flat_id)
                         .outerjoin(r, r.c.id == b.c.resident_id)
                         .outerjoin(d, d.c.ballot_id == b.c.id))
            .where(among(self.session, c.c.ballot_id, ids))
            .order_by(c.c.ballot_id)
        )
        leased, stale = [], []
        pending = BallotStatus.PENDING
        # rows unpacked as tuples: thousands of them, and a named attribute costs a lookup each
        for (ballot_id, attempts, answers, key_version, receipt, status, created_at, poll_id, title,
             identity, apartment, unom, address, number, telegram_id, sealed, data_key_version,
             *hmacs) in (await self.session.execute(statement)).all():
            if status != pending:
                stale.append(ballot_id)
                continue
            leased.append(BallotUnderCheck(
                ballot_id, receipt, poll_id, title, Poll.levels_of(identity, apartment), unom, address,
                number, telegram_id, created_at, attempts, sealed, data_key_version, answers,
                key_version, {kind: digest for kind, digest in zip(IDENTIFIER_KINDS, hmacs) if digest}))
        if stale:
            await self.session.execute(delete(RegistryCheck).where(among(self.session, RegistryCheck.ballot_id, stale)))
        return leased

    async def record(self, token: str, results: Sequence[CheckResult], *, now: datetime) -> set[int]:
        """Writes the results the token still holds the lease for; returns their ballot ids.

        A verdict sets the ballot's status, reasons and `verified_at`, adds a `verdict` event
        and queues its notice (deduplicated per round); a wait postpones the check to
        `retry_at` and keeps the answers sealed for the next attempt. The caller commits.
        """
        if not results:
            return set()
        held = set(await self.session.scalars(
            select(RegistryCheck.ballot_id)
            .where(RegistryCheck.leased_by == token,
                   among(self.session, RegistryCheck.ballot_id, [r.ballot_id for r in results]))
            .with_for_update()))
        verdicts = [r for r in results if r.ballot_id in held and r.status != BallotStatus.PENDING]
        waits = [r for r in results if r.ballot_id in held and r.status == BallotStatus.PENDING]
        if verdicts:
            await self._record_verdicts(token, verdicts, now)
        if waits:
            checks = RegistryCheck.__table__
            await self.session.execute(
                checks.update().where(checks.c.ballot_id == bindparam("id"))
                .values(due_at=bindparam("retry_at"), leased_by=None,
                        waiting_for=bindparam("still_waiting"), answers=bindparam("kept"),
                        key_version=bindparam("kept_version")),
                [{"id": r.ballot_id, "retry_at": r.retry_at or now, "still_waiting": list(r.waiting_for),
                  "kept": r.answers, "kept_version": r.key_version} for r in waits])
        return held

    async def _record_verdicts(self, token: str, verdicts: Sequence[CheckResult], now: datetime) -> None:
        # Core executemany on the tables: a batch is thousands of rows, and the ORM's
        # per-object bookkeeping would cost more than the statements themselves
        ballots, events, outbox = Ballot.__table__, BallotEvent.__table__, OutboxMessage.__table__
        # one UPDATE … WHERE id IN (…) per kind of verdict (nearly all "counted, no reasons"):
        # the moment and the reasons are bound once, not once a ballot
        alike: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
        for r in verdicts:
            alike[(BallotStatus(r.status).value, tuple(r.reasons))].append(r.ballot_id)
        for (status, reasons), ids in alike.items():
            await self.session.execute(
                ballots.update().where(among(self.session, ballots.c.id, ids))
                .values(status=status, reasons=list(reasons), verified_at=now, updated_at=now))
        await self.session.execute(events.insert(), [
            {"ballot_id": r.ballot_id, "at": now, "kind": EventKind.VERDICT.value,
             "detail": dict(r.detail)} for r in verdicts])
        notices = [
            {"chat_id": r.chat_id, "kind": VERDICT_NOTICE, "payload": dict(r.notice),
             "dedupe_key": f"{VERDICT_NOTICE}:{r.ballot_id}:{token}", "created_at": now,
             "next_attempt_at": now, "attempts": 0}
            for r in verdicts if r.notice is not None and r.chat_id is not None]
        if notices:
            statement = conflict_insert(self.session, outbox).on_conflict_do_nothing(
                index_elements=["dedupe_key"])
            await self.session.execute(statement, notices)
        await self.session.execute(
            delete(RegistryCheck).where(among(self.session, RegistryCheck.ballot_id,
                                              [r.ballot_id for r in verdicts]))
            .execution_options(synchronize_session=False))

    async def release(self, token: str, ballot_ids: Sequence[int], *, due_at: datetime) -> None:
        """Gives leased ballots back (e.g. a round that could not finish), due at `due_at`."""
        if ballot_ids:
            await self.session.execute(
                update(RegistryCheck)
                .where(RegistryCheck.leased_by == token,
                       among(self.session, RegistryCheck.ballot_id, list(ballot_ids)))
                .values(due_at=due_at, leased_by=None)
                .execution_options(synchronize_session=False))

    async def requeue(self, ballot_id: int, *, at: datetime) -> None:
        """Queues a ballot afresh, due at `at`, for data it was just given (a correction).

        Whatever its check held goes: a lease taken before no longer counts (so a verdict on
        the old data is never recorded), nor do the answers kept for the old data; an unsent
        notice about the old verdict is dropped. The caller commits.
        """
        fresh = {"due_at": at, "attempts": 0, "leased_by": None, "waiting_for": [],
                 "answers": None, "key_version": None}
        requeue = conflict_insert(self.session, RegistryCheck).values(ballot_id=ballot_id, **fresh)
        await self.session.execute(requeue.on_conflict_do_update(index_elements=["ballot_id"],
                                                                 set_=fresh))
        await self.session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None),
                   OutboxMessage.dedupe_key.like(f"{VERDICT_NOTICE}:{ballot_id}:%"))
            .execution_options(synchronize_session=False))

    async def waiting(self, *, cast_before: datetime, poll_id: int | None = None) -> list[WaitingBallot]:
        """Pending ballots cast before a moment, oldest first (for the overdue report)."""
        statement = (
            select(Ballot.id, Ballot.receipt_code, Poll.id.label("poll_id"), Poll.title,
                   House.address, Ballot.created_at, Poll.verdict_days,
                   RegistryCheck.attempts, RegistryCheck.waiting_for)
            .join(Poll, Poll.id == Ballot.poll_id)
            .join(House, House.id == Ballot.house_id)
            .outerjoin(RegistryCheck, RegistryCheck.ballot_id == Ballot.id)
            .where(Ballot.status == BallotStatus.PENDING, Ballot.created_at < cast_before)
            .order_by(Ballot.created_at, Ballot.id)
        )
        if poll_id is not None:
            statement = statement.where(Ballot.poll_id == poll_id)
        return [WaitingBallot(row.id, row.receipt_code, row.poll_id, row.title, row.address,
                              row.created_at, row.verdict_days, row.attempts or 0,
                              tuple(row.waiting_for or ()))
                for row in await self.session.execute(statement)]

