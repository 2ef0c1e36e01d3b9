"""Claims to the information centre and their conversations; the desk's queue by state.

Messages are stored sealed (`PiiVault.seal` by the caller); nothing here sees their text.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.claims import Author, Claim, ClaimMessage, ClaimState
from storage.models import Ballot, Flat, House, Poll, Resident

OPEN_STATES = (ClaimState.NEW, ClaimState.IN_WORK, ClaimState.ANSWERED)


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """A claim as the desk lists it, with what identifies its ballot (nothing personal)."""

    id: int
    kind: str
    state: str
    created_at: datetime
    due_at: datetime
    answered_at: datetime | None
    operator_id: int | None
    ballot_id: int
    receipt: str
    ballot_status: str
    reasons: tuple[str, ...]
    poll_id: int
    poll_title: str
    address: str
    flat: str
    resident_chat: int
    resident_language: str


def _rows():
    return (select(Claim.id, Claim.kind, Claim.state, Claim.created_at, Claim.due_at, Claim.answered_at,
                   Claim.operator_id, Ballot.id.label("ballot_id"), Ballot.receipt_code, Ballot.status,
                   Ballot.reasons, Poll.id.label("poll_id"), Poll.title, House.address,
                   Flat.number, Resident.telegram_id, Resident.language)
            .join(Ballot, Ballot.id == Claim.ballot_id)
            .join(Poll, Poll.id == Ballot.poll_id)
            .join(House, House.id == Ballot.house_id)
            .join(Flat, Flat.id == Ballot.flat_id)
            .join(Resident, Resident.id == Claim.resident_id))


def _row(row) -> ClaimRow:
    return ClaimRow(row.id, row.kind, row.state, row.created_at, row.due_at, row.answered_at,
                    row.operator_id, row.ballot_id, row.receipt_code, row.status, tuple(row.reasons or ()),
                    row.poll_id, row.title, row.address, row.number, row.telegram_id, row.language)


class ClaimRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_claim(self, ballot_id: int, kind: str) -> Claim | None:
        """The claim of this kind about this ballot that is not closed yet, if any."""
        return (await self.session.scalars(
            select(Claim).where(Claim.ballot_id == ballot_id, Claim.kind == kind,
                                Claim.state.in_([s.value for s in OPEN_STATES]))
            .order_by(Claim.id).limit(1))).first()

    async def file(self, *, ballot_id: int, resident_id: int, kind: str, author_id: int, sealed: bytes,
                   key_version: int, at: datetime, due_at: datetime) -> Claim:
        """A new claim with its first message. The caller commits."""
        claim = Claim(ballot_id=ballot_id, resident_id=resident_id, kind=kind, state=ClaimState.NEW,
                      created_at=at, updated_at=at, due_at=due_at)
        self.session.add(claim)
        await self.session.flush()
        await self.add_message(claim.id, Author.RESIDENT, author_id, sealed, key_version, at)
        return claim

    async def add_message(self, claim_id: int, author: Author, author_id: int, sealed: bytes,
                          key_version: int, at: datetime) -> ClaimMessage:
        message = ClaimMessage(claim_id=claim_id, author=author.value, author_id=author_id, sealed=sealed,
                               key_version=key_version, at=at)
        self.session.add(message)
        await self.session.flush()
        return message

    async def get(self, claim_id: int, *, lock: bool = False) -> Claim | None:
        statement = select(Claim).where(Claim.id == claim_id)
        if lock:
            statement = statement.with_for_update()
        return (await self.session.scalars(statement)).first()

    async def row(self, claim_id: int) -> ClaimRow | None:
        found = (await self.session.execute(_rows().where(Claim.id == claim_id))).first()
        return _row(found) if found else None

    async def messages(self, claim_id: int) -> Sequence[ClaimMessage]:
        return list(await self.session.scalars(
            select(ClaimMessage).where(ClaimMessage.claim_id == claim_id).order_by(ClaimMessage.at, ClaimMessage.id)))

    async def in_state(self, state: str, *, offset: int, limit: int) -> list[ClaimRow]:
        """The claims in one state, the oldest due first."""
        statement = _rows().where(Claim.state == state).order_by(Claim.due_at, Claim.id).offset(offset).limit(limit)
        return [_row(row) for row in await self.session.execute(statement)]

    async def counts(self) -> dict[str, int]:
        found = await self.session.execute(select(Claim.state, func.count()).group_by(Claim.state))
        return {state: number for state, number in found}

    async def of_resident(self, resident_id: int) -> list[ClaimRow]:
        statement = _rows().where(Claim.resident_id == resident_id).order_by(Claim.id)
        return [_row(row) for row in await self.session.execute(statement)]
