"""The public board's rows: appended at each publication, read back in leaf order."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Ballot, BallotEvent, BallotStatus, EventKind
from storage.publications import BoardEntry, Publication
from storage.repositories.dialect import BALLOTS_BY_POLL, among, driver_insert, driver_rows

#: columns a row: SQLite takes at most 32,766 parameters a statement
_CHUNK = 2_000


#: a new row's columns, in the order `append` takes its values
COLUMNS = ("ballot_id", "tracker", "unom", "flat", "choice", "share", "channel", "counted_on", "replaces")


class BoardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def on_board(self, poll_id: int) -> dict[int, str]:
        """The ballots already on the poll's board, with their trackers."""
        statement = select(BoardEntry.ballot_id, BoardEntry.tracker).where(BoardEntry.poll_id == poll_id)
        return dict((await (await self.session.connection()).execute(statement)).all())

    async def counted_facts(self, poll_id: int) -> dict[int, tuple[str, date | str]]:
        """Each counted ballot's receipt and the Moscow date of its verdict (of its cast, if it
        has none), by ballot id: one scan, not a lookup a ballot. The date as `append` takes it:
        ISO text on SQLite, a date on PostgreSQL."""
        if self.session.get_bind().dialect.name == "sqlite":  # Moscow keeps UTC+3 all year since 2014
            statement = text(
                "SELECT id, receipt_code, date(coalesce(verified_at, created_at), '+3 hours') "
                f"FROM {BALLOTS_BY_POLL} WHERE poll_id = :poll AND status = :counted"
            ).bindparams(poll=poll_id, counted=BallotStatus.COUNTED.value)
        else:
            day = func.date(func.timezone("Europe/Moscow", func.coalesce(Ballot.verified_at, Ballot.created_at)))
            statement = select(Ballot.id, Ballot.receipt_code, day).where(
                Ballot.poll_id == poll_id, Ballot.status == BallotStatus.COUNTED)
        return {ballot_id: (receipt, day) for ballot_id, receipt, day in await driver_rows(self.session, statement)}

    async def append(self, poll_id: int, publication_id: int, rows: Sequence[tuple]) -> int:
        """Adds rows (values of COLUMNS) after the board's last; the board's new size."""
        size = await self.size(poll_id)
        await driver_insert(self.session, BoardEntry.__table__, ("poll_id", "position", "publication_id", *COLUMNS),
                            [(poll_id, size + i, publication_id, *row) for i, row in enumerate(rows)])
        return size + len(rows)

    async def size(self, poll_id: int) -> int:
        return await self.session.scalar(select(func.count()).select_from(BoardEntry)
                                         .where(BoardEntry.poll_id == poll_id))

    async def entries(self, poll_id: int, upto: int | None = None) -> list[tuple]:
        """The rows' public fields in leaf order (the publication's number, not its id); the
        date as ISO text on either database."""
        b, p = BoardEntry.__table__, Publication.__table__
        day = b.c.counted_on if self.session.get_bind().dialect.name == "sqlite" else func.to_char(
            b.c.counted_on, "YYYY-MM-DD")
        statement = (select(b.c.poll_id, p.c.number, b.c.tracker, b.c.unom, b.c.flat, b.c.choice, b.c.share,
                            b.c.channel, day, b.c.replaces)
                     .join(p, p.c.id == b.c.publication_id).where(b.c.poll_id == poll_id)
                     .order_by(b.c.position))
        if upto is not None:
            statement = statement.where(b.c.position < upto)
        return await driver_rows(self.session, statement)

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

