"""Casting ballots: one per person and per account for a flat, all parts or nothing."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from storage.errors import BallotNotFound, DuplicateBallot, DuplicatePerson, HouseNotInPoll, PollNotOpen
from storage.models import Ballot, BallotEvent, BallotPersonalData, Flat, ReviewFlag
from storage.receipts import RECEIPT_ALPHABET
from storage.repositories import BallotRepository, PollRepository, ResidentRepository
from tests.plugins.database import Voter


async def _cast(sessions, scene, vault, *, resident=None, voter=None, flat="12А", choice="yes", house=None, at=None):
    async with sessions.begin() as session:
        return await BallotRepository(session).cast(
            scene.poll, house or scene.house, flat, resident or scene.resident, choice,
            at=at or scene.now, **(voter or Voter()).cast_arguments(vault),
        )


async def _resident(sessions, telegram_id):
    async with sessions.begin() as session:
        return await ResidentRepository(session).get_or_create(telegram_id)


async def _count(sessions, model) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_cast_records_a_pending_ballot_with_its_parts(sessions, scene, vault):
    ballot = await _cast(sessions, scene, vault, flat=" 12а ")
    assert len(ballot.receipt_code) == 10 and set(ballot.receipt_code) <= set(RECEIPT_ALPHABET)
    assert (ballot.status, ballot.choice, ballot.channel, ballot.reasons) == ("pending", "yes", "telegram", [])
    assert (ballot.flat.number, ballot.house.unom, ballot.poll.id) == ("12А", 101, scene.poll.id)
    async with sessions() as session:
        data = await session.get(BallotPersonalData, ballot.id)
        assert data.passport_hmac == vault.digest("passport", "4510123456")
        assert data.property_document_hmac is None
        assert vault.open(data.sealed)["snils"] == "11223344595"
        history = await BallotRepository(session).history(ballot.id)
    assert [(e.kind, e.detail) for e in history] == [("cast", {"choice": "yes", "channel": "telegram"})]


async def test_one_account_cannot_vote_twice_for_a_flat(sessions, scene, vault):
    first = await _cast(sessions, scene, vault, flat="12А")
    with pytest.raises(DuplicateBallot) as refused:
        await _cast(sessions, scene, vault, flat="12а", voter=Voter(full_name="Петров Пётр"))
    assert (refused.value.ballot_id, refused.value.receipt_code) == (first.id, first.receipt_code)
    # Another flat, or the same flat number in another house, is another ballot.
    await _cast(sessions, scene, vault, flat="13")
    await _cast(sessions, scene, vault, flat="12А", house=scene.houses[1])
    assert await _count(sessions, Ballot) == 3


async def test_one_person_cannot_vote_for_a_flat_from_two_accounts(sessions, scene, vault):
    first = await _cast(sessions, scene, vault)
    other = await _resident(sessions, 5550002)
    async with sessions.begin() as session:
        ballots = BallotRepository(session)
        with pytest.raises(DuplicatePerson) as refused:
            await ballots.cast(scene.poll, scene.house, "12А", other, "no", at=scene.now, **Voter().cast_arguments(vault))
        assert (refused.value.ballot_id, refused.value.resident_id) == (first.id, scene.resident.id)
        # The refusal left the transaction usable: the review flag goes in with it.
        await ballots.flag_for_review(
            poll_id=scene.poll.id, resident_id=other.id, kind="duplicate_identity",
            detail={"ballot_id": first.id}, at=scene.now,
        )
    assert await _count(sessions, Ballot) == 1
    assert await _count(sessions, ReviewFlag) == 1
    # The same person for another flat is fine (an owner of two flats).
    await _cast(sessions, scene, vault, resident=other, flat="14")


async def test_the_database_itself_refuses_duplicates_when_storage_is_bypassed(sessions, scene, vault):
    ballot = await _cast(sessions, scene, vault)
    other = await _resident(sessions, 5550003)

    def copy(**changes):
        fields = {name: getattr(ballot, name) for name in (
            "poll_id", "house_id", "flat_id", "resident_id", "choice", "person_hmac", "created_at", "updated_at")}
        return Ballot(**fields | {"receipt_code": "ZZZZZZZZZ" + str(len(changes))} | changes)

    for duplicate in (copy(resident_id=other.id), copy(person_hmac="f" * 64)):
        async with sessions() as session:
            session.add(duplicate)
            with pytest.raises(IntegrityError):
                await session.commit()
    assert await _count(sessions, Ballot) == 1


async def test_cast_writes_all_parts_or_nothing(sessions, scene, vault):
    def refuse(*_):
        raise RuntimeError("disk full while writing personal data")

    event.listen(BallotPersonalData, "before_insert", refuse)
    try:
        async with sessions.begin() as session:
            # The caller's own work in the same transaction survives the failed cast.
            await ResidentRepository(session).get_or_create(5550009)
            with pytest.raises(RuntimeError, match="disk full"):
                await BallotRepository(session).cast(
                    scene.poll, scene.house, "99", scene.resident, "yes", at=scene.now,
                    **Voter().cast_arguments(vault),
                )
    finally:
        event.remove(BallotPersonalData, "before_insert", refuse)
    for model in (Ballot, BallotPersonalData, BallotEvent, Flat):
        assert await _count(sessions, model) == 0, model.__name__
    async with sessions() as session:
        assert await ResidentRepository(session).by_telegram_id(5550009) is not None
    await _cast(sessions, scene, vault, flat="99")
    assert await _count(sessions, Ballot) == 1


async def test_a_receipt_code_collision_is_retried(sessions, scene, vault, monkeypatch):
    first = await _cast(sessions, scene, vault)
    codes = iter([first.receipt_code, "ABCDEFGHJK"])
    monkeypatch.setattr("storage.repositories.ballots.new_receipt_code", lambda: next(codes))
    second = await _cast(sessions, scene, vault, flat="2")
    assert second.receipt_code == "ABCDEFGHJK"


async def test_concurrent_casts_of_one_person_leave_one_ballot(sessions, scene, vault):
    others = [await _resident(sessions, 5550100 + i) for i in range(2)]
    results = await asyncio.gather(
        *(_cast(sessions, scene, vault, resident=r, flat="7") for r in others), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["Ballot", "DuplicatePerson"]
    assert await _count(sessions, Ballot) == 1


async def test_change_choice_keeps_the_receipt_and_records_the_change(sessions, scene, vault):
    ballot = await _cast(sessions, scene, vault, choice="yes")
    later = scene.now + timedelta(hours=2)
    async with sessions.begin() as session:
        changed = await BallotRepository(session).change_choice(ballot.id, "no", later, resident_id=scene.resident.id)
        await BallotRepository(session).change_choice(ballot.id, "no", later)  # same choice: nothing new
    assert (changed.receipt_code, changed.choice, changed.status) == (ballot.receipt_code, "no", "pending")
    async with sessions() as session:
        ballots = BallotRepository(session)
        found = await ballots.by_receipt(ballot.receipt_code.lower()[:5] + "-" + ballot.receipt_code[5:])
        history = await ballots.history(ballot.id)
        mine = await ballots.for_resident(scene.resident.id, scene.poll.id)
    assert (found.id, found.choice, found.updated_at) == (ballot.id, "no", later)
    assert [(e.kind, e.detail) for e in history][1:] == [("choice_changed", {"from": "yes", "to": "no"})]
    assert [b.receipt_code for b in mine] == [ballot.receipt_code]


async def test_change_choice_is_refused_when_not_allowed(sessions, scene, vault):
    ballot = await _cast(sessions, scene, vault)
    async with sessions.begin() as session:
        ballots = BallotRepository(session)
        with pytest.raises(BallotNotFound):
            await ballots.change_choice(ballot.id, "no", scene.now, resident_id=scene.resident.id + 1)
        with pytest.raises(ValueError):
            await ballots.change_choice(ballot.id, "maybe", scene.now)
        await PollRepository(session).close(scene.poll.id)
        with pytest.raises(PollNotOpen):
            await ballots.change_choice(ballot.id, "no", scene.now)


async def test_cast_refuses_closed_polls_foreign_houses_and_raw_identifiers(sessions, scene, vault):
    with pytest.raises(PollNotOpen):
        await _cast(sessions, scene, vault, at=scene.poll.closes_at)
    async with sessions.begin() as session:
        subset = await PollRepository(session).create(
            title="Subset", question="?", opens_at=scene.poll.opens_at, closes_at=scene.poll.closes_at,
            house_ids=[scene.houses[1].id],
        )
        subset = await PollRepository(session).open(subset.id, now=scene.now)
    async with sessions.begin() as session:
        with pytest.raises(HouseNotInPoll):
            await BallotRepository(session).cast(
                subset, scene.house, "1", scene.resident, "yes", at=scene.now, **Voter().cast_arguments(vault))
    arguments = Voter().cast_arguments(vault)
    arguments["identifiers"] = {"passport": "4510123456"}
    async with sessions.begin() as session:
        with pytest.raises(ValueError, match="digest"):
            await BallotRepository(session).cast(
                scene.poll, scene.house, "1", scene.resident, "yes", at=scene.now, **arguments)
    assert await _count(sessions, Ballot) == 0


async def test_count_by_status_groups_ballots_per_poll(sessions, scene, vault):
    await _cast(sessions, scene, vault, flat="1")
    await _cast(sessions, scene, vault, flat="2")
    async with sessions() as session:
        assert await BallotRepository(session).count_by_status() == {scene.poll.id: {"pending": 2}}
