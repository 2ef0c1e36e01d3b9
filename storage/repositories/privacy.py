"""Erasing personal data (152-FZ): a poll's after its publication, an account's when consent is
withdrawn. Only sealed data goes; ballots, their statuses and their digests stay, so counts and
de-duplication hold. The caller commits."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Ballot, BallotEvent, BallotPersonalData, BallotStatus, EventKind, OutboxMessage, RegistryCheck, ReviewFlag,
)
from storage.publications import Publication
from storage.repositories.dialect import among

#: what an undecided review flag is resolved as when its resident withdraws consent
WITHDRAWN = "withdrawn"
#: the reason code of a pending ballot its resident withdrew (verification.decision.RESIDENT_REASONS)
CONSENT_WITHDRAWN = "consent.withdrawn"
_FINAL = (BallotStatus.COUNTED.value, BallotStatus.REJECTED.value)


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def published(self, poll_id: int) -> bool:
        return bool(await self.session.scalar(
            select(func.count()).select_from(Publication).where(Publication.poll_id == poll_id)))

    async def kept_by_status(self, poll_id: int) -> Counter[str]:
        """The poll's ballots whose personal data is still kept, by status."""
        rows = await self.session.execute(
            select(Ballot.status, func.count()).join(BallotPersonalData, BallotPersonalData.ballot_id == Ballot.id)
            .where(Ballot.poll_id == poll_id, BallotPersonalData.sealed.is_not(None)).group_by(Ballot.status))
        return Counter(dict(rows.all()))

    async def erase_final(self, poll_id: int, at: datetime) -> int:
        """Erases the sealed data of the poll's ballots that have their verdict; how many."""
        final = select(Ballot.id).where(Ballot.poll_id == poll_id, Ballot.status.in_(_FINAL))
        erased = await self._erase(BallotPersonalData.ballot_id.in_(final), at)
        await self.session.execute(
            update(ReviewFlag).where(ReviewFlag.poll_id == poll_id, ReviewFlag.resolved_at.is_not(None),
                                     ReviewFlag.sealed.is_not(None))
            .values(sealed=None, key_version=None).execution_options(synchronize_session=False))
        return erased

    async def ballots_of(self, resident_id: int) -> Sequence[tuple[int, str, str]]:
        """(id, status, receipt) of every ballot of the account, oldest first."""
        rows = await self.session.execute(
            select(Ballot.id, Ballot.status, Ballot.receipt_code)
            .where(Ballot.resident_id == resident_id).order_by(Ballot.id).with_for_update())
        return rows.all()

    async def withdraw(self, ballot_ids: Sequence[int], at: datetime) -> None:
        """Pending ballots withdrawn by their resident: not counted (`consent.withdrawn`), out of
        the verification queue (a worker holding one records nothing for it), unsent notices about
        them dropped."""
        if not ballot_ids:
            return
        ids = list(ballot_ids)
        await self.session.execute(
            update(Ballot).where(among(self.session, Ballot.id, ids), Ballot.status == BallotStatus.PENDING)
            .values(status=BallotStatus.REJECTED, reasons=[CONSENT_WITHDRAWN], verified_at=at, updated_at=at)
            .execution_options(synchronize_session=False))
        await self.session.execute(BallotEvent.__table__.insert(), [
            {"ballot_id": ballot_id, "at": at, "kind": EventKind.VERDICT.value,
             "detail": {"by": "resident", "reasons": [CONSENT_WITHDRAWN]}} for ballot_id in ids])
        await self.session.execute(delete(RegistryCheck).where(among(self.session, RegistryCheck.ballot_id, ids))
                                   .execution_options(synchronize_session=False))

    async def forget_account(self, resident_id: int, chat_id: int, ballot_ids: Sequence[int], at: datetime) -> int:
        """Erases the sealed data of the account's ballots and review flags (an undecided flag is
        resolved as withdrawn) and drops the unsent messages to its chat; how many ballots lost data."""
        erased = await self._erase(among(self.session, BallotPersonalData.ballot_id, list(ballot_ids)), at) \
            if ballot_ids else 0
        await self.session.execute(
            update(ReviewFlag).where(ReviewFlag.resident_id == resident_id, ReviewFlag.resolved_at.is_(None))
            .values(resolution=WITHDRAWN, resolved_at=at, resolution_note="consent withdrawn")
            .execution_options(synchronize_session=False))
        await self.session.execute(
            update(ReviewFlag).where(ReviewFlag.resident_id == resident_id, ReviewFlag.sealed.is_not(None))
            .values(sealed=None, key_version=None).execution_options(synchronize_session=False))
        await self.session.execute(
            delete(OutboxMessage).where(OutboxMessage.chat_id == chat_id, OutboxMessage.sent_at.is_(None))
            .execution_options(synchronize_session=False))
        return erased

    async def _erase(self, which, at: datetime) -> int:
        done = await self.session.execute(
            update(BallotPersonalData).where(which, BallotPersonalData.sealed.is_not(None))
            .values(sealed=None, key_version=None, erased_at=at).execution_options(synchronize_session=False))
        return done.rowcount or 0
