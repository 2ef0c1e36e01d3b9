"""Houses: bulk import by UNOM and the lookups the dialogue needs."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import House, Poll, PollHouse
from storage.repositories.dialect import conflict_insert
from storage.types import utcnow
from verification.address import normalise_address

# Rows per INSERT: 500 x 13 parameters stays far below SQLite's and asyncpg's limits.
UPSERT_CHUNK = 500


@dataclass(frozen=True, slots=True)
class HouseRow:
    """One house as an import gives it; `search_form` is derived from `address`."""

    unom: int
    address: str
    okrug: str = ""
    district: str = ""
    lat: float | None = None
    lon: float | None = None
    official_for_pct: float | None = None
    official_against_pct: float | None = None
    official_status: str | None = None
    official_meeting_protocol: bool | None = None
    flats_total: int | None = None


@dataclass(frozen=True, slots=True)
class ImportCounts:
    created: int
    updated: int


class HouseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_many(self, rows: Iterable[HouseRow], *, at: datetime | None = None) -> ImportCounts:
        """Inserts new houses and updates known ones by UNOM, never duplicating a house.

        Every column is replaced by the row's value except `flats_total`, which an import
        without that figure (None) leaves as it was. Raises ValueError when a UNOM repeats
        within `rows`. The caller commits. House objects this session loaded earlier are not
        refreshed (bulk statements bypass the identity map): use a new session to read them.
        """
        rows = list(rows)
        seen: set[int] = set()
        for row in rows:
            if row.unom in seen:
                raise ValueError(f"unom {row.unom} is given twice")
            seen.add(row.unom)
        at = at or utcnow()
        existing = 0
        for start in range(0, len(rows), UPSERT_CHUNK):
            chunk = rows[start : start + UPSERT_CHUNK]
            existing += await self._count_known([row.unom for row in chunk])
            values = [
                {**asdict(row), "search_form": normalise_address(row.address), "updated_at": at}
                for row in chunk
            ]
            statement = conflict_insert(self.session, House).values(values)
            replaced = {
                name: statement.excluded[name]
                for name in values[0]
                if name not in ("unom", "flats_total")
            }
            replaced["flats_total"] = func.coalesce(statement.excluded.flats_total, House.flats_total)
            await self.session.execute(
                statement.on_conflict_do_update(index_elements=[House.unom], set_=replaced)
            )
        return ImportCounts(created=len(rows) - existing, updated=existing)

    async def _count_known(self, unoms: list[int]) -> int:
        statement = select(func.count()).select_from(House).where(House.unom.in_(unoms))
        return (await self.session.execute(statement)).scalar_one()

    async def get(self, house_id: int) -> House | None:
        return await self.session.get(House, house_id)

    async def by_unom(self, unom: int) -> House | None:
        return (await self.session.execute(select(House).where(House.unom == unom))).scalar_one_or_none()

    async def by_unoms(self, unoms: Iterable[int]) -> dict[int, House]:
        """The known houses among `unoms`, keyed by UNOM (unknown ones are simply absent)."""
        wanted = sorted(set(unoms))
        found: dict[int, House] = {}
        for start in range(0, len(wanted), UPSERT_CHUNK):
            statement = select(House).where(House.unom.in_(wanted[start : start + UPSERT_CHUNK]))
            found.update((house.unom, house) for house in (await self.session.scalars(statement)))
        return found

    async def for_poll(self, poll_id: int) -> list[House]:
        """The houses taking part in a poll (every house for an all-houses poll), by address.

        An unknown poll gives an empty list.
        """
        poll = await self.session.get(Poll, poll_id)
        if poll is None:
            return []
        statement = select(House).order_by(House.address, House.id)
        if not poll.all_houses:
            statement = statement.join(PollHouse, PollHouse.house_id == House.id).where(
                PollHouse.poll_id == poll_id
            )
        return list(await self.session.scalars(statement))

    async def all(self) -> list[House]:
        """Every known house, by address (for telling a resident a house is not in a vote)."""
        return list(await self.session.scalars(select(House).order_by(House.address, House.id)))

    async def count(self) -> int:
        return (await self.session.execute(select(func.count()).select_from(House))).scalar_one()
