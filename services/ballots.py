"""Casting and changing ballots: the one place the dialogue's answers become a stored ballot.

Each call that writes is one unit of work and commits before it returns, so a receipt the bot
shows is already stored; a refused ballot leaves nothing (its SAVEPOINT is rolled back), except
the review flag a duplicate identity raises, which holds the refused ballot sealed for the
information centre to decide on (services.review) and is committed on its own, and what a limit
records before it refuses (`ballot_guard`: bot.limits).
"""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import Protocol

from counting.breakdowns import age_band
from services.audit import AuditLog, actor_of
from storage.models import Ballot, BallotStatus, Poll, Resident
from storage.pii import PiiVault
from storage.errors import BallotNotFound, DuplicateBallot, DuplicatePerson, HouseNotInPoll, PollNotOpen
from storage.repositories import BallotRepository, HouseRepository
from storage.repositories.privacy import CONSENT_WITHDRAWN
from storage.repositories.review import ReviewRepository
from verification.calendar import MOSCOW, add_working_days
from verification.levels import IDENTIFIERS, Field
from verification.refusal import Accepted
from verification.validators import validate
from verification.validators.names import gender_by_patronymic, normalise_name_key

from services.drafts import Draft, identity_fields
from services.polls import PollBoard



@dataclass(frozen=True, slots=True)
class Receipt:
    """What the resident is shown about a ballot: enough to check it later, nothing personal."""

    ballot_id: int
    poll_id: int
    house_id: int
    code: str
    address: str
    flat: str
    choice: str
    status: str
    reasons: tuple[str, ...]
    cast_at: datetime
    expected_by: datetime
    changed_at: datetime | None = None  # when a change of choice made the ballot say what it says

    @property
    def withdrawn(self) -> bool:
        """Withdrawn with the resident's consent (/forget) before its verdict: cast anew, it is this ballot again."""
        return self.reasons == (CONSENT_WITHDRAWN,)


class BallotRefused(Exception):
    """A ballot the rules do not allow; `reason` is a stable code the dialogue renders."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BallotGuard(Protocol):
    """The limits a ballot is held to before it is cast or its data corrected (`bot.limits`): each
    method returns, or raises BallotRefused once it has recorded what the limit asks for (a review
    flag, committed); the reason is then the resident's message itself."""

    async def before_cast(self, session, vault: PiiVault, *, poll: Poll, house_id: int, resident: Resident,
                          draft: Draft, person_hmac: str, choice: str, now: datetime) -> None: ...

    async def before_correction(self, session, *, ballot_id: int, resident: Resident, person_hmac: str,
                                now: datetime) -> None: ...


#: the guard of the update being handled, set by the bot for each update; outside the bot, none
ballot_guard: ContextVar[BallotGuard | None] = ContextVar("ballot_guard", default=None)


class BallotBox:
    def __init__(self, session, vault: PiiVault) -> None:
        self._session = session
        self._vault = vault
        self._ballots = BallotRepository(session)

    async def cast(self, *, poll: Poll, house_id: int, resident: Resident, draft: Draft,
                   choice: str, now: datetime | None = None) -> Receipt:
        """Writes ballot, identifiers and sealed data in one transaction, or refuses it whole."""
        now = now or datetime.now(timezone.utc)
        house = await HouseRepository(self._session).get(house_id)
        if house is None:
            raise BallotRefused("house.not_in_poll")
        person, identifiers = self._digests(draft)
        if (guard := ballot_guard.get()) is not None:
            await guard.before_cast(self._session, self._vault, poll=poll, house_id=house_id, resident=resident,
                                    draft=draft, person_hmac=person, choice=choice, now=now)
        try:
            ballot = await self._ballots.cast(
                poll=poll, house=house, flat_number=draft.get(Field.FLAT) or "", resident=resident,
                choice=choice, person_hmac=person, identifiers=identifiers,
                sealed=self._vault.seal(dict(draft.values)), key_version=self._vault.key_version, at=now,
                **coarse_attributes(draft, now),
            )
            await self._session.commit()
        except PollNotOpen:
            raise BallotRefused("poll.closed") from None
        except HouseNotInPoll:
            raise BallotRefused("house.not_in_poll") from None
        except DuplicatePerson as duplicate:
            # the refused ballot is held, sealed, for the centre to accept if it decides so
            await ReviewRepository(self._session).hold(
                poll_id=poll.id, resident_id=resident.id, first_ballot_id=duplicate.ballot_id,
                detail={"house_id": house_id, "flat": draft.get(Field.FLAT),
                        "existing_ballot_id": duplicate.ballot_id,
                        "existing_resident_id": duplicate.resident_id},
                sealed=self._vault.seal({"values": dict(draft.values), "choice": choice, "house_id": house_id}),
                key_version=self._vault.key_version, at=now,
            )
            await self._session.commit()
            raise BallotRefused("ballot.same_person_elsewhere") from None
        except DuplicateBallot as duplicate:
            if await self._ballots.withdrawn(duplicate.ballot_id):
                ballot = await self._cast_again(duplicate.ballot_id, resident, draft, choice, person, identifiers,
                                                now)
            elif (ballot := await self._same_cast(duplicate.ballot_id, person, choice)) is None:
                raise BallotRefused("ballot.already_cast") from None
        return self._receipt(ballot, poll, house.address)

    async def _same_cast(self, ballot_id: int, person: str, choice: str) -> Ballot | None:
        """The account's ballot for the flat when it is this very cast (the same person, the same
        choice): the press delivered again because a process died after storing the ballot and
        before the resident was shown its receipt. The receipt is shown now; nothing is stored."""
        ballot = await self._ballots.get(ballot_id)
        return ballot if ballot is not None and ballot.person_hmac == person and ballot.choice == choice else None

    async def _cast_again(self, ballot_id: int, resident: Resident, draft: Draft, choice: str, person: str,
                          identifiers: dict[str, str | None], now: datetime):
        """The account's ballot for the flat that it withdrew with its consent (/forget), cast again
        with this data and choice: pending once more, under its old receipt."""
        try:
            ballot = await self._ballots.correct_personal_data(
                ballot_id, person_hmac=person, identifiers=identifiers, sealed=self._vault.seal(dict(draft.values)),
                at=now, key_version=self._vault.key_version, resident_id=resident.id, choice=choice,
                **coarse_attributes(draft, now))
            await self._session.commit()
        except PollNotOpen:
            raise BallotRefused("poll.closed") from None
        except DuplicatePerson:
            raise BallotRefused("ballot.same_person_elsewhere") from None
        return ballot

    async def change_choice(self, *, resident: Resident, ballot_id: int, choice: str,
                            now: datetime | None = None) -> Receipt:
        now = now or datetime.now(timezone.utc)
        try:
            ballot = await self._ballots.change_choice(ballot_id, choice, now, resident_id=resident.id)
            await self._session.commit()
        except BallotNotFound:
            raise BallotRefused("ballot.not_found") from None
        except PollNotOpen:
            raise BallotRefused("poll.closed") from None
        receipt = self._receipt(ballot, ballot.poll, ballot.house.address)
        # the repository stamps the ballot only when the choice really differs
        return replace(receipt, changed_at=now) if ballot.updated_at == now else receipt

    async def draft_of(self, *, resident: Resident, ballot_id: int, now: datetime | None = None) -> tuple[Receipt, Draft]:
        """A ballot's data opened for the resident to correct, while its poll takes ballots."""
        ballot = await self._ballots.get(ballot_id)
        if ballot is None or ballot.resident_id != resident.id:
            raise BallotRefused("ballot.not_found")
        if not ballot.poll.accepts_ballots_at(now or datetime.now(timezone.utc)):
            raise BallotRefused("poll.closed")
        sealed = await self._ballots.sealed_data(ballot_id)
        if sealed is None:
            raise BallotRefused("ballot.not_found")
        values = self._vault.open(sealed)
        return self._receipt(ballot, ballot.poll, ballot.house.address), Draft({k: str(v) for k, v in values.items()})

    async def correct(self, *, resident: Resident, ballot_id: int, draft: Draft,
                      now: datetime | None = None) -> Receipt:
        """Replaces a ballot's data and sends it back to the registries; receipt and choice stay."""
        now = now or datetime.now(timezone.utc)
        person, identifiers = self._digests(draft)
        if (guard := ballot_guard.get()) is not None:
            await guard.before_correction(self._session, ballot_id=ballot_id, resident=resident,
                                          person_hmac=person, now=now)
        try:
            ballot = await self._ballots.correct_personal_data(
                ballot_id, person_hmac=person, identifiers=identifiers,
                sealed=self._vault.seal(dict(draft.values)), key_version=self._vault.key_version, at=now,
                resident_id=resident.id, **coarse_attributes(draft, now))
            await AuditLog(self._session).append(actor_of(resident.telegram_id), "ballot.correct",
                                                 f"ballot:{ballot_id}", {"receipt": ballot.receipt_code}, at=now)
            await self._session.commit()
        except BallotNotFound:
            raise BallotRefused("ballot.not_found") from None
        except PollNotOpen:
            raise BallotRefused("poll.closed") from None
        except DuplicatePerson:
            raise BallotRefused("ballot.same_person_elsewhere") from None
        return self._receipt(ballot, ballot.poll, ballot.house.address)

    async def identity_to_reuse(self, resident: Resident | None, poll, *, today: date | None = None) -> Draft | None:
        """Who the resident said they were on their latest ballot in `poll` whose data is still kept,
        for their ballot for another flat: only the identity fields the poll asks, each checked again
        as if typed today. None when there is no such ballot or an answer would now be refused.
        Ballots are looked up by the resident, that is by the Telegram account: never another's."""
        if resident is None:
            return None
        for ballot in reversed(await self._ballots.for_resident(resident.id, poll.id)):
            sealed = await self._ballots.sealed_data(ballot.id)
            if sealed is not None:
                return _revalidated(self._vault.open(sealed), poll, today or date.today())
        return None

    def _digests(self, draft: Draft) -> tuple[str, dict[str, str | None]]:
        return digests(self._vault, draft)

    async def receipts(self, resident: Resident, poll_id: int | None = None) -> list[Receipt]:
        ballots = await self._ballots.for_resident(resident.id, poll_id)
        return [self._receipt(b, b.poll, b.house.address) for b in ballots]

    async def correctable(self, receipts: list[Receipt], now: datetime | None = None) -> set[int]:
        """The ballots whose data the resident may still correct: not counted, data kept, poll open."""
        now, board = now or datetime.now(timezone.utc), PollBoard(self._session)
        found = set()
        for receipt in receipts:
            if receipt.status == BallotStatus.COUNTED or await self._ballots.sealed_data(receipt.ballot_id) is None:
                continue  # counted, or its data erased (a ballot withdrawn with consent is cast anew)
            poll = await board.get(receipt.poll_id)
            if poll is not None and poll.accepts_ballots_at(now):
                found.add(receipt.ballot_id)
        return found

    @staticmethod
    def _receipt(ballot: Ballot, poll: Poll, address: str) -> Receipt:
        cast_at = ballot.created_at  # UtcDateTime: aware UTC on every backend
        return Receipt(
            ballot_id=ballot.id, poll_id=poll.id, house_id=ballot.house_id, code=ballot.receipt_code,
            address=address, flat=ballot.flat.number, choice=ballot.choice, status=ballot.status,
            reasons=tuple(ballot.reasons or ()), cast_at=cast_at,
            expected_by=add_working_days(cast_at, poll.verdict_days),
        )


def _revalidated(values: dict, poll, today: date) -> Draft | None:
    reused = Draft()
    for item in identity_fields(poll.levels):
        text = values.get(item.value)
        verdict = validate(item, str(text), today=today, min_age=poll.min_age) if text else None
        if not isinstance(verdict, Accepted):
            return None
        reused.put(item, verdict.value)
    return reused


def digests(vault: PiiVault, draft: Draft) -> tuple[str, dict[str, str | None]]:
    """The person's and the identifiers' keyed digests: what matching and de-duplication use."""
    person = vault.person_digest(normalise_name_key(draft.get(Field.FULL_NAME) or ""), draft.birth_date or date.min)
    identifiers = {
        item.value: vault.digest(item.value, draft.get(item)) if draft.get(item) else None
        for item in IDENTIFIERS
    }
    return person, identifiers


def coarse_attributes(draft: Draft, at: datetime) -> dict[str, str | None]:
    """The age band and gender the statistics show, taken at casting; the birth date itself is
    kept only sealed, for the registries."""
    birth = draft.birth_date
    today = at.astimezone(MOSCOW).date()
    return {"age_band": age_band(birth, today) if birth else None,
            "gender": gender_by_patronymic(draft.get(Field.FULL_NAME) or "")}
