"""The right to be forgotten (152-FZ): a resident withdraws consent (/forget), an operator purges a
published poll's personal data (`python -m bot purge --poll P`).

What goes is the sealed data only: ballots keep their status, choice and digests, so every count,
the public board and de-duplication are the same afterwards. Each call is one unit of work with its
audit entry and commits before it returns.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

from services.audit import CLI, AuditLog, actor_of, retrying
from storage.models import BallotStatus, PollState, Resident
from storage.repositories import PollRepository, ResidentRepository
from storage.repositories.privacy import PrivacyRepository


@dataclass(frozen=True)
class Consequences:
    """What withdrawing consent does to an account's ballots, by receipt code."""

    pending: tuple[str, ...]  # withdrawn: not counted
    counted: tuple[str, ...]  # stay counted, without their data
    rejected: tuple[str, ...]  # stay as they are, without their data


@dataclass(frozen=True)
class Purged:
    poll_id: int
    erased: int  # ballots whose sealed data went now
    kept_pending: int  # ballots still waiting for their verdict: their data stays until then


class PurgeRefused(Exception):
    """The poll cannot be purged yet; the message says why and what to do."""


class PrivacyDesk:
    def __init__(self, session) -> None:
        self._session = session
        self._privacy = PrivacyRepository(session)

    async def consequences(self, resident: Resident | None) -> Consequences | None:
        """What /forget would do; None when the account has not given consent (nothing is kept)."""
        if resident is None or resident.consent_at is None:
            return None
        return _consequences(await self._privacy.ballots_of(resident.id))

    async def forget(self, resident: Resident, *, language: str, now: datetime | None = None) -> Consequences | None:
        """Consent withdrawn: pending ballots withdrawn, every ballot's and review flag's sealed data
        erased, unsent messages dropped, the account reset (`ResidentRepository.withdraw_consent`);
        None if consent was not in force (a second press)."""
        now = now or datetime.now(timezone.utc)

        async def unit() -> Consequences | None:
            account = await ResidentRepository(self._session).by_telegram_id(resident.telegram_id)
            if account is None or account.consent_at is None:
                return None
            ballots = await self._privacy.ballots_of(account.id)
            done = _consequences(ballots)
            await self._privacy.withdraw([b for b, status, _ in ballots if status == BallotStatus.PENDING], now)
            erased = await self._privacy.forget_account(account.id, account.telegram_id, [b for b, _, _ in ballots],
                                                        now)
            await ResidentRepository(self._session).withdraw_consent(account, now, language=language)
            await AuditLog(self._session).append(
                actor_of(account.telegram_id), "resident.forget", actor_of(account.telegram_id),
                {"withdrawn": list(done.pending), "counted_kept": len(done.counted), "erased": erased}, at=now)
            await self._session.commit()
            return done

        return await retrying(self._session, unit)

    async def purge_poll(self, poll_id: int, *, now: datetime | None = None) -> Purged:
        """Erases the sealed data of the poll's ballots with a final verdict; the poll must be
        closed and published (until then a claim may still send a ballot back to the registries)."""
        now = now or datetime.now(timezone.utc)
        poll = await PollRepository(self._session).get(poll_id)
        if poll is None:
            raise PurgeRefused(f"there is no poll {poll_id}")
        if poll.state != PollState.CLOSED:
            raise PurgeRefused(f"poll {poll_id} is {poll.state}: close and publish it first")
        if not await self._privacy.published(poll_id):
            raise PurgeRefused(f"poll {poll_id} has no publication yet: publish its results first "
                               f"(`python -m bot publish {poll_id}`)")

        async def unit() -> Purged:
            kept: Counter[str] = await self._privacy.kept_by_status(poll_id)
            erased = await self._privacy.erase_final(poll_id, now)
            purged = Purged(poll_id, erased, kept[BallotStatus.PENDING])
            await AuditLog(self._session).append(CLI, "poll.purge", f"poll:{poll_id}",
                                                 {"erased": erased, "kept_pending": purged.kept_pending}, at=now)
            await self._session.commit()
            return purged

        return await retrying(self._session, unit)


def _consequences(ballots) -> Consequences:
    by_status: dict[str, list[str]] = {status: [] for status in BallotStatus}
    for _, status, receipt in ballots:
        by_status[status].append(receipt)
    return Consequences(tuple(by_status[BallotStatus.PENDING]), tuple(by_status[BallotStatus.COUNTED]),
                        tuple(by_status[BallotStatus.REJECTED]))
