"""What a resident decides about themselves: consent to the processing of their data, language.

Each call is one unit of work and commits before it returns, so what the bot then says is
already true in the database.
"""
from __future__ import annotations

from datetime import datetime, timezone

from storage.models import Resident
from storage.repositories import ResidentRepository


class ResidentDesk:
    def __init__(self, session) -> None:
        self._session = session
        self._residents = ResidentRepository(session)

    async def consent(self, telegram_id: int, language: str, *, now: datetime | None = None) -> Resident:
        """The resident behind the account, created on first contact, with their consent recorded."""
        resident = await self._residents.get_or_create(telegram_id, language)
        await self._residents.record_consent(resident, now or datetime.now(timezone.utc))
        await self._session.commit()
        return resident

    async def choose_language(self, resident: Resident | None, language: str) -> None:
        """Remembered for a resident who consented; before that only the dialogue keeps it."""
        if resident is None:
            return
        await self._residents.set_language(resident, language)
        await self._session.commit()
