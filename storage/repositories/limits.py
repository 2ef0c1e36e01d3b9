"""What the ballot limits count (rejected verdicts, an account's flats in a poll) and the review
flags they raise. The caller commits."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Ballot,
    BallotEvent,
    BallotStatus,
    Channel,
    EventKind,
    Flat,
    ReviewFlag,
)

#: the review flags' kinds: too many rejected verdicts; one flat more than an account may vote for
FAILED_VERIFICATIONS = "failed_verifications"
FLATS_PER_ACCOUNT = "flats_per_account"


@dataclass(frozen=True, slots=True)
class Rejections:
    """Rejected verdicts within a poll: how many, the newest one's moment and ballot."""

    count: int
    latest_at: datetime | None = None
    latest_ballot_id: int | None = None


class LimitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rejections(self, poll_id: int, *, resident_id: int | None = None,
                         person_hmac: str | None = None) -> Rejections:
        """The registries' rejections (verdict events, one per check) of the poll's ballots cast
        from an account or, by `person_hmac`, with a person's data as each ballot holds it now."""
        statement = (select(BallotEvent.ballot_id, BallotEvent.at, BallotEvent.detail)
                     .join(Ballot, Ballot.id == BallotEvent.ballot_id)
                     .where(Ballot.poll_id == poll_id, BallotEvent.kind == EventKind.VERDICT.value))
        if resident_id is not None:
            statement = statement.where(Ballot.resident_id == resident_id)
        if person_hmac is not None:
            statement = statement.where(Ballot.person_hmac == person_hmac)
        # verdicts per account and poll are few: their outcome is read here, not in dialect-specific JSON SQL
        rejected = [row for row in await self.session.execute(statement)
                    if (row.detail or {}).get("outcome") == BallotStatus.REJECTED.value]
        if not rejected:
            return Rejections(0)
        latest = max(rejected, key=lambda row: (row.at, row.ballot_id))
        return Rejections(len(rejected), latest.at, latest.ballot_id)

    async def flats_voted(self, poll_id: int, resident_id: int) -> list[tuple[int, str]]:
        """(house id, flat number) of every ballot the account holds in the poll."""
        statement = (select(Ballot.house_id, Flat.number).join(Flat, Flat.id == Ballot.flat_id)
                     .where(Ballot.poll_id == poll_id, Ballot.resident_id == resident_id,
                            Ballot.channel == Channel.TELEGRAM.value))
        return [(house_id, number) for house_id, number in await self.session.execute(statement)]

    async def open_flags(self, poll_id: int, resident_id: int, kind: str) -> list[ReviewFlag]:
        return list(await self.session.scalars(
            select(ReviewFlag).where(ReviewFlag.poll_id == poll_id, ReviewFlag.resident_id == resident_id,
                                     ReviewFlag.kind == kind, ReviewFlag.resolved_at.is_(None))
            .order_by(ReviewFlag.id)))

    async def flag_once(self, *, poll_id: int, resident_id: int, kind: str, detail: Mapping[str, Any],
                        ballot_id: int | None, at: datetime) -> ReviewFlag:
        """A flag of `kind` for the account in the poll; while one is unresolved, that one, its
        detail brought up to date, rather than another."""
        flags = await self.open_flags(poll_id, resident_id, kind)
        flag = flags[0] if flags else ReviewFlag(poll_id=poll_id, resident_id=resident_id, kind=kind, created_at=at)
        if not flags:
            self.session.add(flag)
        flag.ballot_id, flag.detail = ballot_id, dict(detail)
        await self.session.flush()
        return flag

    async def hold(self, *, poll_id: int, resident_id: int, kind: str, detail: Mapping[str, Any],
                   sealed: bytes, key_version: int, at: datetime) -> ReviewFlag:
        """A flag holding a ballot not cast (its sealed data and choice, as `ReviewRepository.hold`
        keeps them, so that the desk can cast it); another attempt for the same flat replaces what
        the unresolved flag holds instead of adding a flag."""
        place = (detail.get("house_id"), detail.get("flat"))
        flag = next((f for f in await self.open_flags(poll_id, resident_id, kind)
                     if ((f.detail or {}).get("house_id"), (f.detail or {}).get("flat")) == place), None)
        if flag is None:
            flag = ReviewFlag(poll_id=poll_id, resident_id=resident_id, kind=kind, created_at=at)
            self.session.add(flag)
        flag.detail, flag.sealed, flag.key_version = dict(detail), sealed, key_version
        await self.session.flush()
        return flag
