"""The review queue: one person's data used from two Telegram accounts for one flat.

The second attempt was refused and is held, sealed, in its review flag. An operator decides:
keep the first ballot (the attempt stays refused), accept the second (the first is rejected and
the held ballot is cast for the second account, then checked by the registries like any other),
or reject both. Each decision writes `reviewed` events on the ballots, the flag's resolution, an
audit entry and a notice to each resident, in one transaction; the held data is erased then.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum

from services.audit import AuditLog, actor_of
from services.ballots import coarse_attributes, digests
from services.drafts import Draft
from storage.errors import DuplicateBallot, DuplicatePerson, HouseNotInPoll, PollNotOpen
from storage.models import EventKind, Poll, Resident
from storage.pii import PiiVault
from storage.repositories import BallotRepository, HouseRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.limits import FAILED_VERIFICATIONS, FLATS_PER_ACCOUNT
from storage.repositories.review import DUPLICATE_IDENTITY, FlagRow, ReviewRepository
from verification.levels import Field

PAGE_SIZE = 8
REVIEW_DECIDED = "review_decided"
#: the reason codes (verification.decision) a rejected first ballot gets
OTHER_ACCOUNT_COUNTS = "review.other_account_counts"
IDENTITY_UNCONFIRMED = "review.identity_unconfirmed"


class Outcome(StrEnum):
    KEEP_FIRST = "keep_first"
    ACCEPT_SECOND = "accept_second"
    REJECT_BOTH = "reject_both"


#: what an operator may decide on each kind of flag: one person's data from two accounts (any of the
#: three); a ballot held for one flat too many (cast it, or keep it refused); repeated failed
#: verifications (noted: the pause runs out by itself, the ballots stay as the registries left them)
OUTCOMES_FOR = {
    DUPLICATE_IDENTITY: (Outcome.KEEP_FIRST, Outcome.ACCEPT_SECOND, Outcome.REJECT_BOTH),
    FLATS_PER_ACCOUNT: (Outcome.ACCEPT_SECOND, Outcome.KEEP_FIRST),
    FAILED_VERIFICATIONS: (Outcome.KEEP_FIRST,),
}


class Why(StrEnum):
    """The reasons an operator gives, as codes: a note in free text could hold personal data."""

    DOCUMENTS = "documents"  # documents checked at the centre
    CONFIRMED = "confirmed"  # the person confirmed in person or by phone
    UNCONFIRMED = "unconfirmed"  # the person could not be confirmed
    REPEATED = "repeated"  # the same person tried again from a second account


class ReviewRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FlagsPage:
    rows: list[FlagRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class Resolved:
    outcome: Outcome
    first_receipt: str | None
    second_receipt: str | None  # the held ballot's receipt once accepted
    kind: str = DUPLICATE_IDENTITY


class ReviewDesk:
    def __init__(self, session, vault: PiiVault) -> None:
        self._session = session
        self._vault = vault
        self._review = ReviewRepository(session)

    async def unresolved(self, page: int = 0) -> FlagsPage:
        _, total = await self._review.unresolved(offset=0, limit=0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        rows, total = await self._review.unresolved(offset=page * PAGE_SIZE, limit=PAGE_SIZE)
        return FlagsPage(rows, total, page, pages)

    async def flag(self, flag_id: int) -> FlagRow:
        row = await self._review.row(flag_id)
        if row is None:
            raise ReviewRefused("review.not_found")
        return row

    async def resolve(self, *, operator_id: int, flag_id: int, outcome: str, why: str,
                      now: datetime | None = None) -> Resolved:
        now = now or datetime.now(timezone.utc)
        outcome, why = Outcome(outcome), Why(why)
        flag = await self._review.get(flag_id, lock=True)
        if flag is None:
            raise ReviewRefused("review.not_found")
        if flag.resolved_at is not None:
            raise ReviewRefused("review.resolved")
        if outcome not in OUTCOMES_FOR.get(flag.kind, tuple(Outcome)):
            raise ReviewRefused("review.not_for_this_flag")
        first = await self._review.ballot(flag.ballot_id, lock=True) if flag.ballot_id else None
        if outcome is not Outcome.KEEP_FIRST and first is not None and await self._review.published_counted(first):
            raise ReviewRefused("review.published")
        place = await self._review.row(flag_id)
        detail = {"flag_id": flag.id, "outcome": outcome.value, "why": why.value}
        second = None
        if outcome is Outcome.ACCEPT_SECOND:
            if first is not None:
                await self._review.reject(first, reasons=[OTHER_ACCOUNT_COUNTS], at=now)
                # the same person may hold one ballot a flat: the rejected one lets go of it
                await self._review.retire_identity(first, self._vault.digest("retired_ballot", str(first.id)))
            second = await self._cast_held(flag, now)
            await self._review.event(second.id, EventKind.REVIEWED, detail, now)
        elif outcome is Outcome.REJECT_BOTH and first is not None:
            await self._review.reject(first, reasons=[IDENTITY_UNCONFIRMED], at=now)
        if first is not None:
            await self._review.event(first.id, EventKind.REVIEWED, detail, now)
        await self._review.resolve(flag, resolution=outcome.value, by=operator_id, note=why.value, at=now)
        flag.sealed, flag.key_version = None, None  # decided: the refused attempt's data is not kept
        first_receipt = first.receipt_code if first is not None else None
        second_receipt = second.receipt_code if second is not None else None
        await self._tell(flag, first, place, outcome, first_receipt, second_receipt, now)
        await AuditLog(self._session).append(
            actor_of(operator_id), "review.resolve", f"flag:{flag.id}",
            {"outcome": outcome.value, "why": why.value, "first_ballot_id": first.id if first else None,
             "second_ballot_id": second.id if second else None}, at=now)
        await self._session.commit()
        return Resolved(outcome, first_receipt, second_receipt, flag.kind)

    async def _cast_held(self, flag, now: datetime):
        if flag.sealed is None:
            raise await self._refuse("review.nothing_held")
        poll = await self._session.get(Poll, flag.poll_id)
        if poll is None or not poll.accepts_ballots_at(now):
            raise await self._refuse("review.poll_closed")
        held = self._vault.open(flag.sealed)
        draft = Draft({k: str(v) for k, v in held["values"].items()})
        house = await HouseRepository(self._session).get(int(held["house_id"]))
        resident = await self._session.get(Resident, flag.resident_id)
        person, identifiers = digests(self._vault, draft)
        try:
            return await BallotRepository(self._session).cast(
                poll=poll, house=house, flat_number=draft.get(Field.FLAT) or "", resident=resident,
                choice=held["choice"], person_hmac=person, identifiers=identifiers,
                sealed=self._vault.seal(dict(draft.values)), at=now, key_version=self._vault.key_version,
                **coarse_attributes(draft, now))
        except (DuplicateBallot, DuplicatePerson, HouseNotInPoll, PollNotOpen):
            raise await self._refuse("review.cannot_cast") from None

    async def _refuse(self, reason: str) -> ReviewRefused:
        await self._session.rollback()  # nothing of the decision stays
        return ReviewRefused(reason)

    async def _tell(self, flag, first, place: FlagRow, outcome: Outcome, first_receipt: str | None,
                    second_receipt: str | None, now: datetime) -> None:
        outbox = OutboxRepository(self._session)
        where = {"house": place.address, "flat": place.flat, "outcome": outcome.value}
        if flag.kind == FAILED_VERIFICATIONS:
            return  # nothing changed for the resident: the pause they were told of runs out by itself
        if flag.kind == FLATS_PER_ACCOUNT:
            chat = await self._review.telegram_id(flag.resident_id)
            if chat is not None:
                await outbox.queue(chat, REVIEW_DECIDED, {**where, "side": "held", "receipt": second_receipt},
                                   at=now, dedupe_key=f"{REVIEW_DECIDED}:{flag.id}:held")
            return
        first_chat = await self._review.telegram_id(first.resident_id) if first is not None else None
        second_chat = await self._review.telegram_id(flag.resident_id)
        if first_chat is not None:
            await outbox.queue(first_chat, REVIEW_DECIDED,
                               {**where, "side": "first", "receipt": first_receipt, "ballot_id": first.id},
                               at=now, dedupe_key=f"{REVIEW_DECIDED}:{flag.id}:first")
        if second_chat is not None:
            await outbox.queue(second_chat, REVIEW_DECIDED, {**where, "side": "second", "receipt": second_receipt},
                               at=now, dedupe_key=f"{REVIEW_DECIDED}:{flag.id}:second")
