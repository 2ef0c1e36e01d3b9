"""A press of "vote" delivered again after the process that stored its ballot died before showing
the receipt: the ballot box gives the same receipt and stores nothing more; a different choice or
person for the flat is still refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.ballots import BallotBox, BallotRefused
from services.drafts import Draft
from storage.models import Ballot, BallotEvent
from verification.levels import Field

ANSWERS = {Field.FLAT: "17", Field.FULL_NAME: "Иванов Иван Иванович", Field.BIRTH_DATE: "1960-05-17",
           Field.PASSPORT: "4510123456", Field.SNILS: "11223344595", Field.FLS: "1234567890",
           Field.PROPERTY_DOCUMENT: "77:01:0001013:4915"}


def draft(**changed: str) -> Draft:
    answers = Draft()
    for item, value in ANSWERS.items():
        answers.put(item, changed.get(item.value, value))
    return answers


async def _cast(sessions, vault, scene, answers: Draft, choice: str):
    async with sessions() as session:
        return await BallotBox(session, vault).cast(poll=scene.poll, house_id=scene.house.id,
                                                    resident=scene.resident, draft=answers, choice=choice,
                                                    now=scene.now)


async def _stored(sessions) -> tuple[int, int]:
    async with sessions() as session:
        return (await session.scalar(select(func.count()).select_from(Ballot)),
                await session.scalar(select(func.count()).select_from(BallotEvent)))


async def test_the_same_cast_again_gets_the_same_receipt_and_stores_nothing(sessions, vault, scene):
    first = await _cast(sessions, vault, scene, draft(), "yes")
    stored = await _stored(sessions)
    again = await _cast(sessions, vault, scene, draft(), "yes")
    assert (again.code, again.ballot_id, again.choice, again.flat) == (first.code, first.ballot_id, "yes", "17")
    assert await _stored(sessions) == stored
    with pytest.raises(BallotRefused) as refused:
        await _cast(sessions, vault, scene, draft(), "no")
    assert refused.value.reason == "ballot.already_cast"
    with pytest.raises(BallotRefused) as refused:
        await _cast(sessions, vault, scene, draft(full_name="Петров Пётр Петрович", snils="11223344696"), "yes")
    assert refused.value.reason == "ballot.already_cast"
    assert await _stored(sessions) == stored
