"""Address indexes, built once per poll and shared by every update of the process."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from verification.address import AddressIndex, AddressMatch, HouseEntry

EVERYWHERE = 0  # the key of the index over every known house, for "not in this vote"


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """What a search found: the poll's houses, or else a house that exists but is not in the vote."""

    matches: list[AddressMatch]
    outside_poll: AddressMatch | None = None


LoadHouses = Callable[[object, int], Awaitable[Iterable[HouseEntry]]]


class AddressBook:
    def __init__(self, load_houses: LoadHouses) -> None:
        """`load_houses(session, poll_id)` gives the poll's houses; poll id 0 means every house.

        The caller's session is used: on SQLite a second session in the same update would wait
        for the first one's write lock.
        """
        self._load = load_houses
        self._indexes: dict[int, AddressIndex] = {}
        self._lock = asyncio.Lock()

    async def index(self, session, poll_id: int) -> AddressIndex:
        if poll_id not in self._indexes:
            async with self._lock:
                if poll_id not in self._indexes:
                    entries = list(await self._load(session, poll_id))
                    # building takes a moment on thousands of houses: keep the loop responsive
                    self._indexes[poll_id] = await asyncio.to_thread(AddressIndex.build, entries)
        return self._indexes[poll_id]

    async def house(self, session, poll_id: int, house_id: int) -> HouseEntry | None:
        """One of the poll's houses, as the resident chose it from the search; None if not the poll's."""
        return (await self.index(session, poll_id)).house(house_id)

    async def search(self, session, poll_id: int, query: str, limit: int = 25) -> SearchOutcome:
        poll_index = await self.index(session, poll_id)
        matches = poll_index.search(query, limit=limit)
        everywhere = await self.index(session, EVERYWHERE)
        best = everywhere.search(query, limit=1)
        # the resident typed a house that exists but belongs to no part of this vote
        if best and best[0].house_id not in poll_index:
            if not matches or best[0].score > matches[0].score:
                return SearchOutcome(matches, best[0])
        return SearchOutcome(matches)
