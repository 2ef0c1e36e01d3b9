"""What the statistics read: each ballot of a poll as a `VoterRecord`, nothing personal in it."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from counting.breakdowns import VoterRecord
from storage.models import Ballot, BallotEvent, BallotStatus, Choice, EventKind, House


class StatisticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def records(self, poll_id: int) -> list[VoterRecord]:
        """Every ballot of the poll but those superseded by the same person's other-channel one."""
        b, h = Ballot.__table__, House.__table__
        superseded = exists().where(BallotEvent.ballot_id == b.c.id, BallotEvent.kind == EventKind.SUPERSEDED)
        statement = (select(h.c.okrug, h.c.district, h.c.unom, b.c.age_band, b.c.gender, b.c.created_at,
                            b.c.channel, b.c.status, b.c.choice)
                     .join(h, h.c.id == b.c.house_id)
                     .where(b.c.poll_id == poll_id, ~superseded))
        counted, yes = BallotStatus.COUNTED.value, Choice.YES.value
        return [VoterRecord(okrug or "", district or "", unom, band, gender, cast_at, channel, status,
                            (choice == yes) if status == counted else None)
                for okrug, district, unom, band, gender, cast_at, channel, status, choice
                in await (await self.session.connection()).execute(statement)]
