"""Ballots: casting (all parts or nothing), changing the choice or the data, finding by receipt.

Every Ballot this repository returns has `.poll`, `.house` and `.flat` loaded; `.events` and
`.personal_data` are not loaded (use `history()`; personal data is verification's business).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from storage.pii import check_digest, checked_identifiers
from storage.errors import BallotNotFound, DuplicateBallot, DuplicatePerson, HouseNotInPoll, PollNotOpen
from storage.models import (
    IDENTIFIER_KINDS,
    Ballot,
    BallotEvent,
    BallotPersonalData,
    BallotStatus,
    Channel,
    Choice,
    EventKind,
    Flat,
    House,
    Poll,
    Resident,
    ReviewFlag,
)
from storage.receipts import new_receipt_code, normalise_receipt
from storage.repositories.checks import RegistryCheckRepository
from storage.repositories.flats import FlatRepository, canonical_flat_number
from storage.repositories.polls import PollRepository
from storage.repositories.privacy import CONSENT_WITHDRAWN
from storage.types import utcnow

RECEIPT_ATTEMPTS = 5


class BallotRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cast(
        self,
        poll: Poll,
        house: House,
        flat_number: str,
        resident: Resident | None,
        choice: str,
        person_hmac: str,
        identifiers: Mapping[str, str | None],
        sealed: bytes,
        at: datetime,
        *,
        key_version: int = 1,
        channel: str = Channel.TELEGRAM,
        age_band: str | None = None,
        gender: str | None = None,
        received_at: datetime | None = None,
    ) -> Ballot:
        """Records a pending ballot with its flat, personal data and a `cast` event, atomically.

        `person_hmac` is `PiiVault.person_digest(...)`; `identifiers` maps kinds from
        `IDENTIFIER_KINDS` ("passport", "snils", "fls", "property_document") to their
        `PiiVault.digest` (or None); `sealed` is `PiiVault.seal(...)` of the raw values
        verification needs, made with `key_version`.

        Nothing here queues the registry check: inserting a pending ballot fires a database
        trigger (migration 0002) that adds its `registry_checks` row in the same transaction,
        due at the ballot's `updated_at` (that is `at`), for a verification worker to take.

        Runs in a SAVEPOINT: on any failure nothing of the ballot remains and the caller's
        transaction is still usable. The caller commits. A receipt code collision is retried
        with a fresh code. Raises:
          PollNotOpen: the poll does not take ballots at `at`;
          HouseNotInPoll: the house does not take part in the poll;
          DuplicateBallot: this account already holds a ballot for this flat in this poll;
          DuplicatePerson: this person already voted for this flat from another account;
          ValueError: a bad choice, identifier kind, digest or flat number.
        """
        choice = Choice(choice).value
        number = canonical_flat_number(flat_number)
        hmacs = _checked_digests(person_hmac, identifiers)
        channel = Channel(channel).value
        poll_id, house_id = poll.id, house.id
        resident_id = resident.id if resident is not None else None  # a paper ballot has no account
        # The caller's poll may be a cached copy: its state is read afresh.
        current = await self.session.get(Poll, poll_id, populate_existing=True)
        accepts = current is not None and (current.accepts_paper_cast_at(at) if channel == Channel.PAPER
                                           else current.accepts_ballots_at(at))
        if not accepts:
            raise PollNotOpen(poll_id)
        if not await PollRepository(self.session).includes_house(poll_id, house_id):
            raise HouseNotInPoll(poll_id, house_id)

        for attempt in range(RECEIPT_ATTEMPTS):
            receipt_code = new_receipt_code()
            try:
                async with self.session.begin_nested():
                    flat = await FlatRepository(self.session).get_or_create(house_id, number)
                    ballot = Ballot(
                        poll_id=poll_id,
                        house_id=house_id,
                        flat_id=flat.id,
                        resident_id=resident_id,
                        choice=choice,
                        receipt_code=receipt_code,
                        status=BallotStatus.PENDING,
                        reasons=[],
                        channel=channel,
                        person_hmac=person_hmac,
                        age_band=age_band,
                        gender=gender,
                        created_at=at,
                        # a paper ballot is cast at the centre and arrives later: due for checking then
                        updated_at=received_at or at,
                    )
                    ballot.personal_data = _holding(BallotPersonalData(), hmacs, sealed, key_version)
                    ballot.events = [
                        BallotEvent(at=at, kind=EventKind.CAST, detail={"choice": choice, "channel": channel})
                    ]
                    self.session.add(ballot)
                    await self.session.flush()
            except IntegrityError:
                await self._explain_conflict(poll_id, house_id, number, resident_id, person_hmac, channel)
                if attempt + 1 < RECEIPT_ATTEMPTS and await self._receipt_taken(receipt_code):
                    continue
                raise
            set_committed_value(ballot, "flat", flat)
            set_committed_value(ballot, "poll", await self.session.get(Poll, poll_id))
            set_committed_value(ballot, "house", await self.session.get(House, house_id))
            return ballot
        raise AssertionError("unreachable")  # pragma: no cover

    async def change_choice(
        self, ballot_id: int, choice: str, at: datetime, *, resident_id: int | None = None
    ) -> Ballot:
        """Changes the choice while the poll is open; the receipt code and status stay.

        Records a `choice_changed` event (nothing happens if the choice is the same).
        `resident_id`, when given, must own the ballot. Raises BallotNotFound, PollNotOpen,
        ValueError for a bad choice. The caller commits.
        """
        choice = Choice(choice).value
        ballot = await self._changeable(ballot_id, at, resident_id)
        if ballot.choice == choice:
            return ballot
        previous = ballot.choice
        ballot.choice = choice
        ballot.updated_at = at
        self.session.add(
            BallotEvent(ballot_id=ballot.id, at=at, kind=EventKind.CHOICE_CHANGED, detail={"from": previous, "to": choice})
        )
        await self.session.flush()
        return ballot

    async def correct_personal_data(
        self, ballot_id: int, *, person_hmac: str, identifiers: Mapping[str, str | None],
        sealed: bytes, at: datetime, key_version: int = 1, resident_id: int | None = None,
        age_band: str | None = None, gender: str | None = None, choice: str | None = None,
    ) -> Ballot:
        """Replaces a ballot's personal data and sends it to be checked again.

        Arguments are as for `cast`: `person_hmac` and `identifiers` are `PiiVault` digests,
        `sealed` the new sealed values. The receipt, flat and choice stay; the status goes back
        to pending with no reasons; a `data_corrected` event names which identifiers changed
        (never their values); the check is queued afresh and an unsent notice about the old
        verdict dropped (`RegistryCheckRepository.requeue`); earlier verdict events stay as
        history. `choice`, when given, replaces the choice too (a withdrawn ballot cast again).
        `resident_id`, when given, must own the ballot. Raises BallotNotFound,
        PollNotOpen (corrections are taken while the poll is open), DuplicatePerson (this
        person already voted for the flat on another ballot), ValueError for a bad kind or
        digest. The caller commits.
        """
        hmacs = _checked_digests(person_hmac, identifiers)
        ballot = await self._changeable(ballot_id, at, resident_id)
        data = await self.session.get(BallotPersonalData, ballot_id, with_for_update=True)
        before = {kind: getattr(data, f"{kind}_hmac") if data else None for kind in IDENTIFIER_KINDS}
        changed = [kind for kind in IDENTIFIER_KINDS if before[kind] != hmacs[kind]]
        if ballot.person_hmac != person_hmac:
            changed.insert(0, "person")
        # read before the SAVEPOINT: a rolled-back one expires them, and async cannot reload
        previous_status, poll_id, flat_id, channel = ballot.status, ballot.poll_id, ballot.flat_id, ballot.channel
        try:
            async with self.session.begin_nested():
                if data is None:
                    data = BallotPersonalData(ballot_id=ballot_id)
                    self.session.add(data)
                _holding(data, hmacs, sealed, key_version)
                ballot.person_hmac = person_hmac
                ballot.age_band, ballot.gender = age_band, gender
                if choice is not None:
                    ballot.choice = Choice(choice).value
                ballot.status = BallotStatus.PENDING
                ballot.reasons = []
                ballot.verified_at = None
                ballot.updated_at = at
                await self.session.flush()
        except IntegrityError:
            others = select(Ballot).where(Ballot.poll_id == poll_id, Ballot.flat_id == flat_id,
                                          Ballot.channel == channel, Ballot.id != ballot_id)
            theirs = await self._same_person(others, person_hmac)
            if theirs is None:
                raise
            # not chained: the database's error carries the statement's parameters (digests)
            raise DuplicatePerson(theirs.id, theirs.resident_id) from None
        self.session.add(BallotEvent(ballot_id=ballot_id, at=at, kind=EventKind.DATA_CORRECTED,
                                     detail={"changed": changed, "previous_status": previous_status}
                                     | ({"choice": choice} if choice is not None else {})))
        await RegistryCheckRepository(self.session).requeue(ballot_id, at=at)
        await self.session.flush()
        return ballot

    async def get(self, ballot_id: int) -> Ballot | None:
        return await self._load(select(Ballot).where(Ballot.id == ballot_id))

    async def by_receipt(self, code: str) -> Ballot | None:
        """The ballot with a receipt code, as typed by a resident (case, spaces, dashes ignored)."""
        return await self._load(select(Ballot).where(Ballot.receipt_code == normalise_receipt(code)))

    async def for_resident(self, resident_id: int, poll_id: int | None = None) -> Sequence[Ballot]:
        """A resident's ballots (in one poll, if given), oldest first."""
        statement = select(Ballot).where(Ballot.resident_id == resident_id)
        if poll_id is not None:
            statement = statement.where(Ballot.poll_id == poll_id)
        result = await self.session.scalars(_with_places(statement.order_by(Ballot.created_at, Ballot.id)))
        return list(result.unique())

    async def withdrawn(self, ballot_id: int) -> bool:
        """Whether the ballot was withdrawn by its resident (consent withdrawn while it was pending)."""
        ballot = await self.session.get(Ballot, ballot_id)
        return ballot is not None and ballot.status == BallotStatus.REJECTED and \
            list(ballot.reasons) == [CONSENT_WITHDRAWN]

    async def sealed_data(self, ballot_id: int) -> bytes | None:
        """The sealed personal data of a ballot (None once erased), for a correction by its owner."""
        statement = select(BallotPersonalData.sealed).where(BallotPersonalData.ballot_id == ballot_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def history(self, ballot_id: int) -> Sequence[BallotEvent]:
        """A ballot's events, oldest first."""
        statement = (
            select(BallotEvent)
            .where(BallotEvent.ballot_id == ballot_id)
            .order_by(BallotEvent.at, BallotEvent.id)
        )
        return list(await self.session.scalars(statement))

    async def flag_for_review(
        self,
        *,
        poll_id: int,
        resident_id: int,
        kind: str,
        detail: Mapping[str, Any] | None = None,
        ballot_id: int | None = None,
        at: datetime | None = None,
    ) -> ReviewFlag:
        """Asks a person to look at something (e.g. kind="duplicate_identity").

        `detail` is stored as JSON and must never hold raw personal data (ids and digests
        only). The caller commits.
        """
        flag = ReviewFlag(
            poll_id=poll_id,
            ballot_id=ballot_id,
            resident_id=resident_id,
            kind=kind,
            detail=dict(detail or {}),
            created_at=at or utcnow(),
        )
        self.session.add(flag)
        await self.session.flush()
        return flag

    async def count_by_status(self) -> dict[int, dict[str, int]]:
        """{poll_id: {status: number of ballots}} over every poll that has ballots."""
        statement = select(Ballot.poll_id, Ballot.status, func.count()).group_by(Ballot.poll_id, Ballot.status)
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for poll_id, status, number in await self.session.execute(statement):
            counts[poll_id][status] = number
        return dict(counts)

    async def _load(self, statement: Any) -> Ballot | None:
        return (await self.session.scalars(_with_places(statement))).unique().one_or_none()

    async def _changeable(self, ballot_id: int, at: datetime, resident_id: int | None) -> Ballot:
        """The ballot, locked, if it is `resident_id`'s (when given) and its poll is open at `at`."""
        ballot = await self._load(select(Ballot).where(Ballot.id == ballot_id).with_for_update(of=Ballot))
        if ballot is None or (resident_id is not None and ballot.resident_id != resident_id):
            raise BallotNotFound(ballot_id)
        if not ballot.poll.accepts_ballots_at(at):
            raise PollNotOpen(ballot.poll_id)
        return ballot

    async def _explain_conflict(
        self, poll_id: int, house_id: int, number: str, resident_id: int | None, person_hmac: str,
        channel: str,
    ) -> None:
        """Turns the database's uniqueness refusal into DuplicateBallot / DuplicatePerson."""
        same_flat = (
            select(Ballot)
            .join(Flat, Flat.id == Ballot.flat_id)
            .where(Ballot.poll_id == poll_id, Flat.house_id == house_id, Flat.number == number)
        )
        if resident_id is not None:
            mine = (await self.session.scalars(same_flat.where(Ballot.resident_id == resident_id))).first()
            if mine is not None:
                raise DuplicateBallot(mine.id, mine.receipt_code)
        theirs = await self._same_person(same_flat.where(Ballot.channel == channel), person_hmac)
        if theirs is not None:
            raise DuplicatePerson(theirs.id, theirs.resident_id)

    async def _same_person(self, others: Any, person_hmac: str) -> Ballot | None:
        """The one of `others` (ballots for the same flat) that this person cast, if any."""
        return (await self.session.scalars(others.where(Ballot.person_hmac == person_hmac))).first()

    async def _receipt_taken(self, receipt_code: str) -> bool:
        statement = select(Ballot.id).where(Ballot.receipt_code == receipt_code)
        return (await self.session.execute(statement)).first() is not None


def _with_places(statement: Any) -> Any:
    return statement.options(joinedload(Ballot.poll), joinedload(Ballot.house), joinedload(Ballot.flat))


def _checked_digests(person_hmac: str, identifiers: Mapping[str, str | None]) -> dict[str, str | None]:
    """Every identifier kind mapped to its digest (or None); ValueError for a bad kind or digest."""
    hmacs = checked_identifiers(identifiers, IDENTIFIER_KINDS)
    check_digest("person_hmac", person_hmac)
    return hmacs


def _holding(data: BallotPersonalData, hmacs: Mapping[str, str | None], sealed: bytes,
             key_version: int) -> BallotPersonalData:
    """`data` set to hold these digests and this sealed data (a cast, or a correction)."""
    for kind, value in hmacs.items():
        setattr(data, f"{kind}_hmac", value)
    data.sealed, data.key_version, data.erased_at = sealed, key_version, None
    return data
