"""What an operator's decision does to ballots: held duplicate attempts (review flags), ballots
rejected or sent back to the registries by the desk.

The caller commits; every change also writes the ballot's event, so its history tells why.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    Ballot,
    BallotEvent,
    BallotPersonalData,
    BallotStatus,
    EventKind,
    Flat,
    House,
    Poll,
    RegistryCheck,
    Resident,
    ReviewFlag,
)
from storage.publications import Publication
from storage.repositories.checks import VERDICT_NOTICE, RegistryCheckRepository
from storage.repositories.outbox import OutboxRepository

DUPLICATE_IDENTITY = "duplicate_identity"


@dataclass(frozen=True, slots=True)
class FlagRow:
    """An unresolved review flag as operators see it: places and the first ballot, nobody's data."""

    id: int
    kind: str
    poll_id: int
    poll_title: str
    address: str
    flat: str
    created_at: datetime
    first_ballot_id: int | None
    first_receipt: str | None
    first_status: str | None
    resolution: str | None


class ReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def hold(self, *, poll_id: int, resident_id: int, first_ballot_id: int, detail: Mapping[str, Any],
                   sealed: bytes, key_version: int, at: datetime) -> ReviewFlag:
        """Flags a duplicate identity holding the refused ballot; a repeated attempt from the same
        account about the same first ballot replaces what the open flag holds instead of adding one."""
        flag = (await self.session.scalars(
            select(ReviewFlag).where(ReviewFlag.poll_id == poll_id, ReviewFlag.resident_id == resident_id,
                                     ReviewFlag.ballot_id == first_ballot_id, ReviewFlag.kind == DUPLICATE_IDENTITY,
                                     ReviewFlag.resolved_at.is_(None)).with_for_update())).first()
        if flag is None:
            flag = ReviewFlag(poll_id=poll_id, resident_id=resident_id, ballot_id=first_ballot_id,
                              kind=DUPLICATE_IDENTITY, created_at=at)
            self.session.add(flag)
        flag.detail, flag.sealed, flag.key_version = dict(detail), sealed, key_version
        await self.session.flush()
        return flag

    async def get(self, flag_id: int, *, lock: bool = False) -> ReviewFlag | None:
        statement = select(ReviewFlag).where(ReviewFlag.id == flag_id)
        return (await self.session.scalars(statement.with_for_update() if lock else statement)).first()

    async def unresolved(self, *, offset: int, limit: int) -> tuple[list[FlagRow], int]:
        """Unresolved flags, oldest first, and how many there are."""
        where = ReviewFlag.resolved_at.is_(None)
        total = await self.session.scalar(select(func.count()).select_from(ReviewFlag).where(where))
        statement = _flag_rows().where(where).order_by(ReviewFlag.created_at, ReviewFlag.id).offset(offset).limit(limit)
        return [_flag_row(row) for row in await self.session.execute(statement)], total or 0

    async def row(self, flag_id: int) -> FlagRow | None:
        found = (await self.session.execute(_flag_rows().where(ReviewFlag.id == flag_id))).first()
        return _flag_row(found) if found else None

    async def telegram_id(self, resident_id: int | None) -> int | None:
        if resident_id is None:
            return None
        return await self.session.scalar(select(Resident.telegram_id).where(Resident.id == resident_id))

    async def resolve(self, flag: ReviewFlag, *, resolution: str, by: int, note: str, at: datetime) -> None:
        flag.resolution, flag.resolved_by, flag.resolution_note, flag.resolved_at = resolution, by, note, at
        await self.session.flush()

    async def ballot(self, ballot_id: int, *, lock: bool = False) -> Ballot | None:
        statement = select(Ballot).where(Ballot.id == ballot_id)
        return (await self.session.scalars(statement.with_for_update() if lock else statement)).first()

    async def event(self, ballot_id: int, kind: EventKind, detail: Mapping[str, Any], at: datetime) -> None:
        self.session.add(BallotEvent(ballot_id=ballot_id, at=at, kind=kind.value, detail=dict(detail)))
        await self.session.flush()

    async def reject(self, ballot: Ballot, *, reasons: list[str], at: datetime) -> None:
        """The ballot is not counted, for `reasons`; a check still waiting for it is dropped, so the
        registries' verdict cannot overturn the decision, and so is an unsent verdict notice."""
        ballot.status, ballot.reasons, ballot.verified_at, ballot.updated_at = (
            BallotStatus.REJECTED, list(reasons), at, at)
        await self.session.flush()
        await self.session.execute(delete(RegistryCheck).where(RegistryCheck.ballot_id == ballot.id)
                                   .execution_options(synchronize_session=False))
        await OutboxRepository(self.session).drop_unsent(f"{VERDICT_NOTICE}:{ballot.id}:")

    async def retire_identity(self, ballot: Ballot, digest: str) -> None:
        """Frees the person's place on the flat (a rejected ballot keeps a digest of its own), so
        the same person's ballot from another account can be cast."""
        ballot.person_hmac = digest
        await self.session.flush()

    async def send_back(self, ballot: Ballot, *, at: datetime) -> None:
        """Pending again, no reasons: the registries are asked afresh (the check is queued)."""
        ballot.status, ballot.reasons, ballot.verified_at, ballot.updated_at = BallotStatus.PENDING, [], None, at
        await self.session.flush()
        await RegistryCheckRepository(self.session).requeue(ballot.id, at=at)

    async def has_personal_data(self, ballot_id: int) -> bool:
        return await self.session.scalar(
            select(func.count()).select_from(BallotPersonalData)
            .where(BallotPersonalData.ballot_id == ballot_id, BallotPersonalData.sealed.is_not(None))) > 0

    async def published_counted(self, ballot: Ballot) -> bool:
        """Whether the ballot is counted in a publication already made: the public board is
        append-only and a publication is never rewritten, so such a ballot cannot be withdrawn."""
        if ballot.status != BallotStatus.COUNTED or ballot.verified_at is None:
            return False
        latest = await self.session.scalar(select(func.max(Publication.published_at))
                                           .where(Publication.poll_id == ballot.poll_id))
        return latest is not None and latest >= ballot.verified_at

    async def history(self, ballot_id: int) -> list[BallotEvent]:
        return list(await self.session.scalars(
            select(BallotEvent).where(BallotEvent.ballot_id == ballot_id).order_by(BallotEvent.at, BallotEvent.id)))


_first = aliased(Ballot)


def _flag_rows():
    house_id = func.coalesce(_first.house_id, 0)
    return (select(ReviewFlag.id, ReviewFlag.kind, ReviewFlag.poll_id, Poll.title, ReviewFlag.detail,
                   ReviewFlag.created_at, ReviewFlag.resolution, _first.id.label("first_id"),
                   _first.receipt_code, _first.status, House.address, Flat.number)
            .join(Poll, Poll.id == ReviewFlag.poll_id)
            .outerjoin(_first, _first.id == ReviewFlag.ballot_id)
            .outerjoin(Flat, Flat.id == _first.flat_id)
            .outerjoin(House, House.id == house_id))


def _flag_row(row) -> FlagRow:
    detail = row.detail or {}
    return FlagRow(row.id, row.kind, row.poll_id, row.title, row.address or "—",
                   row.number or str(detail.get("flat") or "—"), row.created_at, row.first_id,
                   row.receipt_code, row.status, row.resolution)
