"""The public board's rows: appended at each publication, read back in leaf order."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Ballot, BallotEvent, EventKind
from storage.publications import BoardEntry, Publication
from storage.repositories.dialect import among

#: columns a row: SQLite takes at most 32,766 parameters a statement
_CHUNK = 2_000


@dataclass(frozen=True, slots=True)
class BallotFacts:
    """What a new row needs of its ballot beyond the count: its receipt and when it was counted."""

    receipt: str
    verified_at: datetime | None


class BoardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def on_board(self, poll_id: int) -> dict[int, str]:
        """The ballots already on the poll's board, with their trackers."""
        statement = select(BoardEntry.ballot_id, BoardEntry.tracker).where(BoardEntry.poll_id == poll_id)
        return dict((await (await self.session.connection()).execute(statement)).all())

    async def facts(self, ballot_ids: Sequence[int]) -> dict[int, BallotFacts]:
        if not ballot_ids:
            return {}
        statement = select(Ballot.id, Ballot.receipt_code, Ballot.verified_at).where(
            among(self.session, Ballot.id, list(ballot_ids)))
        return {ballot_id: BallotFacts(receipt, verified) for ballot_id, receipt, verified
                in (await self.session.execute(statement)).all()}

    async def append(self, poll_id: int, publication_id: int, rows: Sequence[dict]) -> int:
        """Adds rows (BoardEntry columns but the place) after the board's last; its new size."""
        size = await self.size(poll_id)
        values = [{**row, "poll_id": poll_id, "publication_id": publication_id, "position": size + i}
                  for i, row in enumerate(rows)]
        for start in range(0, len(values), _CHUNK):
            await self.session.execute(insert(BoardEntry), values[start:start + _CHUNK])
        return size + len(values)

    async def size(self, poll_id: int) -> int:
        return await self.session.scalar(select(func.count()).select_from(BoardEntry)
                                         .where(BoardEntry.poll_id == poll_id))

    async def entries(self, poll_id: int, upto: int | None = None) -> list[tuple]:
        """The rows' public fields in leaf order (the publication's number, not its id)."""
        b, p = BoardEntry.__table__, Publication.__table__
        statement = (select(b.c.poll_id, p.c.number, b.c.tracker, b.c.unom, b.c.flat, b.c.choice, b.c.share,
                            b.c.channel, b.c.counted_on, b.c.replaces)
                     .join(p, p.c.id == b.c.publication_id).where(b.c.poll_id == poll_id)
                     .order_by(b.c.position))
        if upto is not None:
            statement = statement.where(b.c.position < upto)
        return list((await (await self.session.connection()).execute(statement)).all())

    async def entry_of(self, poll_id: int, ballot_id: int) -> BoardEntry | None:
        return await self.session.scalar(select(BoardEntry).where(
            BoardEntry.poll_id == poll_id, BoardEntry.ballot_id == ballot_id))

    async def replaced_by(self, poll_id: int, tracker: str) -> BoardEntry | None:
        """The later row that replaces the one with this tracker, if any."""
        return await self.session.scalar(select(BoardEntry).where(
            BoardEntry.poll_id == poll_id, BoardEntry.replaces == tracker))

    async def mark_superseded(self, pairs: Sequence[tuple[int, int, str]], at: datetime) -> int:
        """A `superseded` event for each (ballot, the ballot counted instead, its channel) not marked
        yet; how many were added."""
        if not pairs:
            return 0
        marked = set(await self.session.scalars(select(BallotEvent.ballot_id).where(
            BallotEvent.kind == EventKind.SUPERSEDED, among(self.session, BallotEvent.ballot_id,
                                                             [loser for loser, _, _ in pairs]))))
        events = [{"ballot_id": loser, "at": at, "kind": EventKind.SUPERSEDED.value,
                   "detail": {"by_ballot": by, "by_channel": channel}}
                  for loser, by, channel in pairs if loser not in marked]
        for start in range(0, len(events), _CHUNK):
            await self.session.execute(insert(BallotEvent), events[start:start + _CHUNK])
        return len(events)

    async def superseded(self, ballot_id: int) -> dict | None:
        """The detail of the ballot's `superseded` event, if it has one."""
        return await self.session.scalar(select(BallotEvent.detail).where(
            BallotEvent.ballot_id == ballot_id, BallotEvent.kind == EventKind.SUPERSEDED).limit(1))

