"""Residents: Telegram accounts, their language, consent and reachability."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConsentEvent, ConsentKind, Resident
from storage.repositories.dialect import conflict_insert

LANGUAGE_MAX = 8


def _checked_language(language: str) -> str:
    language = language.strip().lower()
    if not language or len(language) > LANGUAGE_MAX:
        raise ValueError(f"a language code is 1 to {LANGUAGE_MAX} characters, not {language!r}")
    return language


class ResidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_or_create(self, telegram_id: int, language: str = "ru") -> Resident:
        """The resident behind a Telegram account, created on first contact.

        `language` is used only when creating (later changes go through `set_language`).
        Writing to the bot proves the chat is reachable again, so `unreachable_at` is
        cleared. Safe against two updates of one account arriving at once. The caller commits.
        """
        resident = await self.by_telegram_id(telegram_id)
        if resident is None:
            statement = conflict_insert(self.session, Resident).values(
                telegram_id=telegram_id, language=_checked_language(language)
            )
            await self.session.execute(statement.on_conflict_do_nothing(index_elements=["telegram_id"]))
            resident = await self.by_telegram_id(telegram_id)
            assert resident is not None
        if resident.unreachable_at is not None:
            resident.unreachable_at = None
            await self.session.flush()
        return resident

    async def get(self, resident_id: int) -> Resident | None:
        return await self.session.get(Resident, resident_id)

    async def by_telegram_id(self, telegram_id: int) -> Resident | None:
        statement = select(Resident).where(Resident.telegram_id == telegram_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def set_language(self, resident: Resident, language: str) -> None:
        """Remembers the language the resident chose ("ru", "en"). The caller commits."""
        resident.language = _checked_language(language)
        await self.session.flush()

    async def record_consent(self, resident: Resident, at: datetime) -> None:
        """Records consent to personal-data processing (the consent in force is kept) and logs the
        grant. The caller commits."""
        if resident.consent_at is None:
            resident.consent_at = at
            self.session.add(ConsentEvent(resident_id=resident.id, kind=ConsentKind.GRANTED, at=at))
            await self.session.flush()

    async def withdraw_consent(self, resident: Resident, at: datetime, *, language: str) -> None:
        """Consent withdrawn and logged; the account keeps only what its ballots need (its
        Telegram id, which also keeps one account to one ballot a flat): its language goes back
        to `language`, announcements to their default, reachability is forgotten. The caller commits."""
        resident.consent_at, resident.unreachable_at = None, None
        resident.language, resident.announcements = _checked_language(language), True
        self.session.add(ConsentEvent(resident_id=resident.id, kind=ConsentKind.WITHDRAWN, at=at))
        await self.session.flush()

    async def consent_log(self, resident_id: int) -> list[ConsentEvent]:
        statement = select(ConsentEvent).where(ConsentEvent.resident_id == resident_id).order_by(ConsentEvent.id)
        return list((await self.session.execute(statement)).scalars())

    async def mark_unreachable(self, telegram_id: int, at: datetime) -> bool:
        """Marks a chat Telegram refuses to deliver to (bot blocked, account deleted).

        Returns False when no resident has this chat id. The caller commits.
        """
        statement = (
            update(Resident)
            .where(Resident.telegram_id == telegram_id)
            .values(unreachable_at=at)
            .execution_options(synchronize_session="fetch")
        )
        result = await self.session.execute(statement)
        return result.rowcount > 0
