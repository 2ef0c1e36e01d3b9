"""Announcements: the job, its recipients (built in one INSERT … SELECT), leases and outcomes.

A lease is the token a sender round writes into `leased_by`: the moment it runs out, as sortable
UTC text (`20261202T090000Z`), then `:` and a random part. A row `sending` whose lease text sorts
before "now" belongs to a sender that died: it is taken again and counted in `Broadcast.resent`.
Outcomes are written only by the round holding the row's lease.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, exists, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.broadcasts import Broadcast, BroadcastRecipient, BroadcastState, RecipientState
from storage.models import Ballot, BallotStatus, House, OutboxMessage, Poll, PollHouse, Resident
from storage.repositories.dialect import among
from storage.repositories.outbox import MAX_ATTEMPTS, RESULTS_NOTICE

ERROR_MAX = 300
_STAMP = "%Y%m%dT%H%M%SZ"


class AudienceKind(StrEnum):
    EVERYONE = "everyone"  # every reachable resident
    POLL_HOUSES = "poll"  # residents with a ballot for a house of the poll
    AREA = "area"  # residents with a ballot for a house of the okrug (and district)
    NOT_VOTED = "not_voted"  # reachable residents without a ballot in the poll
    REJECTED = "rejected"  # residents with a ballot in the poll that was not counted


def lease_token(until: datetime) -> str:
    return f"{until.astimezone(UTC).strftime(_STAMP)}:{secrets.token_hex(7)}"


def _expired_before(now: datetime) -> str:
    return now.astimezone(UTC).strftime(_STAMP)


@dataclass(frozen=True, slots=True)
class LeasedRow:
    chat_id: int
    language: str
    attempts: int  # including this one


@dataclass(frozen=True, slots=True)
class Lease:
    token: str
    rows: list[LeasedRow]
    skipped: int  # turned announcements off or became unreachable since the job was built
    resent: int  # taken over from a sender whose lease ran out


@dataclass(frozen=True, slots=True)
class Outcome:
    chat_id: int
    token: str
    state: RecipientState  # sent, failed, blocked; queued to try again
    error: str | None = None
    uncertain: bool = False  # queued again after an answer that may hide a delivery


def _reachable() -> Any:
    return and_(Resident.consent_at.is_not(None), Resident.announcements.is_(True),
                Resident.unreachable_at.is_(None))


def _ballot_of_resident(*where: Any) -> Any:
    return exists().where(Ballot.resident_id == Resident.id, *where)


class BroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- the audience --------------------------------------------------------------------------
    async def _houses_of(self, poll_id: int) -> Any:
        """The condition "the ballot's house takes part in the poll" (None: every house does)."""
        poll = await self.session.get(Poll, poll_id)
        if poll is None:
            raise LookupError(f"no poll {poll_id}")
        if poll.all_houses:
            return None
        return Ballot.house_id.in_(select(PollHouse.house_id).where(PollHouse.poll_id == poll_id))

    async def audience_filter(self, audience: dict[str, Any]) -> Any:
        """Which residents an audience (`{"kind": …, "poll_id" | "okrug" | "district": …}`) means;
        always only reachable ones (consent given, announcements on, not blocked)."""
        kind = AudienceKind(audience["kind"])
        conditions = [_reachable()]
        if kind is AudienceKind.POLL_HOUSES:
            houses = await self._houses_of(int(audience["poll_id"]))
            conditions.append(_ballot_of_resident(*([houses] if houses is not None else [])))
        elif kind is AudienceKind.AREA:
            in_area = [House.okrug == audience["okrug"]]
            if audience.get("district"):
                in_area.append(House.district == audience["district"])
            conditions.append(_ballot_of_resident(
                Ballot.house_id.in_(select(House.id).where(*in_area))))
        elif kind is AudienceKind.NOT_VOTED:
            conditions.append(~_ballot_of_resident(Ballot.poll_id == int(audience["poll_id"])))
        elif kind is AudienceKind.REJECTED:
            conditions.append(_ballot_of_resident(Ballot.poll_id == int(audience["poll_id"]),
                                                  Ballot.status == BallotStatus.REJECTED))
        return and_(*conditions)

    async def count_audience(self, audience: dict[str, Any]) -> int:
        condition = await self.audience_filter(audience)
        return await self.session.scalar(select(func.count()).select_from(Resident).where(condition))

    async def areas(self) -> list[tuple[str, str]]:
        """(okrug, district) of every district with houses, in order."""
        statement = (select(House.okrug, House.district).where(House.okrug != "")
                     .group_by(House.okrug, House.district).order_by(House.okrug, House.district))
        return [(okrug, district or "") for okrug, district in await self.session.execute(statement)]

    # --- the job -------------------------------------------------------------------------------
    async def create(self, *, created_by: int, text: str, photo: str | None, button_poll_id: int | None,
                     audience: dict[str, Any], rate: float, paid: bool, at: datetime) -> Broadcast:
        broadcast = Broadcast(created_by=created_by, state=BroadcastState.DRAFT, text=text, photo=photo,
                              button_poll_id=button_poll_id, audience=dict(audience), rate=rate, paid=paid,
                              total=0, resent=0, created_at=at)
        self.session.add(broadcast)
        await self.session.flush()
        return broadcast

    async def build_recipients(self, broadcast: Broadcast, *, at: datetime) -> int:
        """One row per recipient, in one statement; the job is then sending."""
        condition = await self.audience_filter(broadcast.audience)
        rows = select(literal(broadcast.id), Resident.telegram_id, Resident.id,
                      literal(RecipientState.QUEUED.value), literal(0)).where(condition)
        result = await self.session.execute(
            insert(BroadcastRecipient).from_select(
                ["broadcast_id", "chat_id", "resident_id", "state", "attempts"], rows))
        broadcast.total = result.rowcount
        broadcast.state = BroadcastState.SENDING
        broadcast.started_at = at
        await self.session.flush()
        return broadcast.total

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return await self.session.get(Broadcast, broadcast_id)

    async def state_of(self, broadcast_id: int) -> str | None:
        return await self.session.scalar(select(Broadcast.state).where(Broadcast.id == broadcast_id))

    async def sending(self) -> Sequence[Broadcast]:
        """Jobs being sent, oldest first."""
        statement = select(Broadcast).where(Broadcast.state == BroadcastState.SENDING).order_by(Broadcast.id)
        return (await self.session.scalars(statement)).all()

    async def set_state(self, broadcast_id: int, state: BroadcastState, *, at: datetime | None = None) -> None:
        values: dict[str, Any] = {"state": state}
        if state in (BroadcastState.DONE, BroadcastState.CANCELLED):
            values["finished_at"] = at
        await self.session.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(**values)
                                   .execution_options(synchronize_session=False))

    async def finish_if_done(self, broadcast_id: int, *, at: datetime) -> bool:
        """Marks a sending job done once no row is queued or in flight."""
        left = await self.session.scalar(
            select(func.count()).select_from(BroadcastRecipient)
            .where(BroadcastRecipient.broadcast_id == broadcast_id,
                   BroadcastRecipient.state.in_((RecipientState.QUEUED, RecipientState.SENDING))))
        if left:
            return False
        result = await self.session.execute(
            update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.state == BroadcastState.SENDING)
            .values(state=BroadcastState.DONE, finished_at=at).execution_options(synchronize_session=False))
        return result.rowcount > 0

    async def set_progress_message(self, broadcast: Broadcast, chat_id: int, message_id: int) -> None:
        broadcast.progress_chat_id, broadcast.progress_message_id = chat_id, message_id
        await self.session.flush()

    # --- sending -------------------------------------------------------------------------------
    async def lease(self, broadcast_id: int, *, now: datetime, until: datetime, limit: int) -> Lease:
        """Takes up to `limit` rows to send (first those a dead sender left, then queued ones);
        those whose resident no longer takes announcements are skipped at once. Commit at once."""
        token = lease_token(until)
        taken = BroadcastRecipient.broadcast_id == broadcast_id
        columns = (BroadcastRecipient.chat_id, BroadcastRecipient.state, BroadcastRecipient.attempts, Resident.language,
                   Resident.announcements, Resident.unreachable_at)
        found: list[Any] = []
        for condition in (and_(BroadcastRecipient.state == RecipientState.SENDING,
                               BroadcastRecipient.leased_by < _expired_before(now)),
                          BroadcastRecipient.state == RecipientState.QUEUED):
            if len(found) >= limit:
                break
            statement = (select(*columns).outerjoin(Resident, Resident.id == BroadcastRecipient.resident_id)
                         .where(taken, condition).limit(limit - len(found))
                         .with_for_update(skip_locked=True, of=BroadcastRecipient))
            found.extend(await self.session.execute(statement))
        if not found:
            return Lease(token, [], 0, 0)
        wanted, unwanted = [], []
        for row in found:
            if row.announcements is not False and row.unreachable_at is None:
                wanted.append(row)
            else:
                unwanted.append(row.chat_id)
        resent = sum(1 for row in wanted if row.state == RecipientState.SENDING)
        if wanted:
            await self.session.execute(
                update(BroadcastRecipient)
                .where(taken, among(self.session, BroadcastRecipient.chat_id, [row.chat_id for row in wanted]))
                .values(state=RecipientState.SENDING, leased_by=token, attempts=BroadcastRecipient.attempts + 1)
                .execution_options(synchronize_session=False))
        if unwanted:
            await self.session.execute(
                update(BroadcastRecipient).where(taken, among(self.session, BroadcastRecipient.chat_id, unwanted))
                .values(state=RecipientState.SKIPPED, leased_by=None)
                .execution_options(synchronize_session=False))
        if resent:
            await self._add_resent(broadcast_id, resent)
        return Lease(token, [LeasedRow(row.chat_id, row.language or "ru", row.attempts + 1) for row in wanted], len(unwanted), resent)

    async def _add_resent(self, broadcast_id: int, number: int) -> None:
        await self.session.execute(update(Broadcast).where(Broadcast.id == broadcast_id)
                                   .values(resent=Broadcast.resent + number)
                                   .execution_options(synchronize_session=False))

    async def record(self, broadcast_id: int, outcomes: Iterable[Outcome], *, at: datetime) -> None:
        """Writes what Telegram answered for leased rows (each only under its own lease); a blocked
        chat marks its resident unreachable. Commit at once: until then a crash resends them."""
        groups: dict[tuple[RecipientState, str, str | None], list[int]] = {}
        uncertain = 0
        for outcome in outcomes:
            error = outcome.error[:ERROR_MAX] if outcome.error else None
            groups.setdefault((outcome.state, outcome.token, error), []).append(outcome.chat_id)
            uncertain += outcome.uncertain and outcome.state == RecipientState.QUEUED
        taken = BroadcastRecipient.broadcast_id == broadcast_id
        for (state, token, error), chat_ids in groups.items():
            values: dict[str, Any] = {"state": state, "leased_by": None, "error": error}
            if state == RecipientState.SENT:
                values["sent_at"] = at
            await self.session.execute(
                update(BroadcastRecipient)
                .where(taken, BroadcastRecipient.leased_by == token,
                       among(self.session, BroadcastRecipient.chat_id, chat_ids))
                .values(**values).execution_options(synchronize_session=False))
            if state == RecipientState.BLOCKED:
                await self.session.execute(
                    update(Resident).where(among(self.session, Resident.telegram_id, chat_ids))
                    .values(unreachable_at=at).execution_options(synchronize_session=False))
        if uncertain:
            await self._add_resent(broadcast_id, uncertain)

    async def release(self, broadcast_id: int, token: str, chat_ids: Sequence[int]) -> None:
        """Gives rows back untried (a flood wait, a pause): queued again, the attempt not counted."""
        if not chat_ids:
            return
        await self.session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.leased_by == token,
                   among(self.session, BroadcastRecipient.chat_id, list(chat_ids)))
            .values(state=RecipientState.QUEUED, leased_by=None, attempts=BroadcastRecipient.attempts - 1)
            .execution_options(synchronize_session=False))

    # --- progress ------------------------------------------------------------------------------
    async def counts(self, broadcast_id: int) -> dict[str, int]:
        statement = (select(BroadcastRecipient.state, func.count())
                     .where(BroadcastRecipient.broadcast_id == broadcast_id).group_by(BroadcastRecipient.state))
        return {state: number for state, number in await self.session.execute(statement)}

    async def sent_since(self, broadcast_id: int, since: datetime) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(BroadcastRecipient)
            .where(BroadcastRecipient.broadcast_id == broadcast_id,
                   BroadcastRecipient.state == RecipientState.SENT, BroadcastRecipient.sent_at >= since))

    # --- what goes first -----------------------------------------------------------------------
    async def urgent_notices_due(self, now: datetime) -> bool:
        """Notices other than a publication's results notices wait to be sent: verdicts and the
        desk's answers go before announcements (results notices share the rate with them)."""
        blocked = exists().where(Resident.telegram_id == OutboxMessage.chat_id, Resident.unreachable_at.is_not(None))
        statement = select(exists().where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now,
            OutboxMessage.kind != RESULTS_NOTICE, OutboxMessage.attempts < MAX_ATTEMPTS, ~blocked))
        return bool(await self.session.scalar(statement))

    # --- the resident's choice -----------------------------------------------------------------
    async def set_announcements(self, telegram_id: int, wanted: bool) -> bool:
        """False when the account is no resident. The caller commits."""
        result = await self.session.execute(
            update(Resident).where(Resident.telegram_id == telegram_id).values(announcements=wanted)
            .execution_options(synchronize_session=False))
        return result.rowcount > 0

    async def takes_announcements(self, telegram_id: int) -> bool | None:
        """None when the account is no resident (yet)."""
        return await self.session.scalar(select(Resident.announcements).where(Resident.telegram_id == telegram_id))


def is_final(state: str | None) -> bool:
    return state in (BroadcastState.DONE, BroadcastState.CANCELLED)
