"""Flats: created on the first ballot that names them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Flat
from storage.repositories.dialect import conflict_insert

NUMBER_MAX = 16


def canonical_flat_number(text: str) -> str:
    """The stored form of an (already validated) flat number: trimmed, upper case ("12А")."""
    number = "".join(text.split()).upper()
    if not number or len(number) > NUMBER_MAX:
        raise ValueError(f"a flat number is 1 to {NUMBER_MAX} characters, not {text!r}")
    return number


class FlatRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_or_create(self, house_id: int, number: str) -> Flat:
        """The flat `number` of a house, created if new; safe when two ballots race for it."""
        number = canonical_flat_number(number)
        flat = await self._find(house_id, number)
        if flat is None:
            statement = conflict_insert(self.session, Flat).values(house_id=house_id, number=number)
            await self.session.execute(
                statement.on_conflict_do_nothing(index_elements=["house_id", "number"])
            )
            flat = await self._find(house_id, number)
            assert flat is not None
        return flat

    async def _find(self, house_id: int, number: str) -> Flat | None:
        statement = select(Flat).where(Flat.house_id == house_id, Flat.number == number)
        return (await self.session.execute(statement)).scalar_one_or_none()
