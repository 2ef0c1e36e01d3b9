"""Which votes a resident can take part in right now."""
from __future__ import annotations

from datetime import datetime, timezone

from storage.models import PollState
from storage.repositories import PollRepository


def accepts_ballots(poll, now: datetime | None = None) -> bool:
    return poll.accepts_ballots_at(now or datetime.now(timezone.utc))


class PollBoard:
    def __init__(self, session) -> None:
        self._polls = PollRepository(session)

    async def menu(self, now: datetime | None = None) -> tuple[list, list]:
        """Votes open now, and votes announced but not open yet."""
        now = now or datetime.now(timezone.utc)
        polls = await self._polls.list()
        open_now = [p for p in polls if p.accepts_ballots_at(now)]
        upcoming = [p for p in polls if p.state != PollState.CLOSED and p.opens_at > now]
        return open_now, upcoming

    async def get(self, poll_id: int):
        return await self._polls.get(poll_id)
