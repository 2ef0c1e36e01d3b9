"""The ballot limits through the sandbox: a fourth flat from one account is held for the centre,
and after three rejected verdicts a fourth attempt (a correction, or the same person's data from
another account) waits an hour, with a review flag for the operators."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.i18n import translator
from bot.worker import staff_notices
from services.review import REVIEW_DECIDED, ReviewDesk, ReviewRefused
from storage.models import Ballot, BallotEvent, EventKind, OutboxMessage, ReviewFlag
from storage.repositories import ResidentRepository
from storage.staff import AuditEntry
from tests.dialogue.steps import choose_house, consent, enter, press_when_shown, vote
from tests.limits.steps import (
    COOLING_DOWN,
    HELD,
    confirm_without_receipt,
    limit_answers,
    rejected_verdicts,
    up_to_the_last_press,
    vote_for_another_flat,
)
from tests.plugins.dialogue import Person
from tests.plugins.verifying import resident, typed, vote_as
from verification.calendar import MOSCOW

CORRECT = "✏ Исправить данные: кв. {flat}"
CHECK_AGAIN = "✅ Всё верно, проверить снова"


def limit_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.limits"]


async def audit_actions(stand) -> list[AuditEntry]:
    async with stand.sessions() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action.like("limit.%"))
                                          .order_by(AuditEntry.id)))


async def test_a_fourth_flat_is_held_for_review_and_the_centre_can_cast_it(stand, caplog):
    caplog.set_level(logging.INFO, logger="bot.limits")
    user = stand.client.user(3201, "Анна")
    await vote(user, Person(flat="12"))
    for flat in ("13", "14"):
        await vote_for_another_flat(user, Person(flat=flat))
    assert limit_answers(await user.messages()) == []  # three flats: within the limit

    await up_to_the_last_press(user, Person(flat="15"))
    held = await confirm_without_receipt(user)
    assert HELD in held.text and "(3)" in held.text and "квартиру 15 сохранён, но пока не учтён" in held.text
    assert "/centre" in held.text
    async with stand.sessions() as session:
        flats = sorted((await session.scalars(select(Ballot.flat_id))).all())
        assert len(flats) == 3  # the fourth is not cast
        flag = (await session.scalars(select(ReviewFlag))).one()
        owner = await ResidentRepository(session).by_telegram_id(3201)
    assert (flag.kind, flag.resident_id, flag.resolved_at) == ("flats_per_account", owner.id, None)
    assert flag.detail["flat"] == "15" and flag.detail["ballots"] == 3 and flag.sealed
    assert "Петрова" not in str(flag.detail) and "345678" not in str(flag.detail)
    assert [(e.actor, e.action, e.detail) for e in await audit_actions(stand)] == [
        ("bot", "limit.flats_per_account", {"flag_id": flag.id, "ballots": 3})]
    assert limit_lines(caplog) == [f"limit hit: flats per account (poll {stand.poll_id})"]

    # a decision meant for two accounts' ballots does not fit here
    async with stand.sessions() as session:
        with pytest.raises(ReviewRefused, match="review.not_for_this_flag"):
            await ReviewDesk(session, stand.app.vault).resolve(operator_id=1, flag_id=flag.id,
                                                               outcome="reject_both", why="documents")
    # the operator accepts it: the held ballot is cast for the account, to be checked like any other
    async with stand.sessions() as session:
        decided = await ReviewDesk(session, stand.app.vault).resolve(operator_id=1, flag_id=flag.id,
                                                                     outcome="accept_second", why="documents")
    async with stand.sessions() as session:
        cast = await session.scalar(select(Ballot).where(Ballot.receipt_code == decided.second_receipt))
        notices = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == REVIEW_DECIDED)))
    assert (cast.resident_id, cast.status, cast.choice) == (owner.id, "pending", "yes")
    # one notice, to this resident, about this flat: no "other account" in it
    assert [(n.chat_id, n.payload["side"]) for n in notices] == [(3201, "held")]
    told = staff_notices.render(REVIEW_DECIDED, notices[0].payload, translator("ru"), "ru")
    assert "принял ваш бюллетень за квартиру 15" in told and decided.second_receipt in told
    assert "другого аккаунта" not in told


def moscow_minute(at: datetime) -> str:
    """A moment as the resident reads it: Moscow time, the minute rounded up, the date unless today."""
    local = (at + timedelta(seconds=59)).astimezone(MOSCOW)
    return local.strftime("%H:%M" if local.date() == datetime.now(MOSCOW).date() else "%d.%m %H:%M")


async def correction(user, flat: str):
    """/status, «correct my data», the review confirmed as it stands: the bot's answer."""
    await user.send("/status")
    await press_when_shown(user, CORRECT.format(flat=flat))
    return await press_when_shown(user, CHECK_AGAIN)


async def test_a_fourth_attempt_after_three_rejections_waits_an_hour_and_is_flagged(verifying, caplog):
    caplog.set_level(logging.INFO, logger="bot.limits")
    stand, summary = verifying
    wrong = resident(summary, outcome="rejected", reason="passport.invalid")
    user = stand.client.user(3301, "Пётр")
    await vote_as(user, wrong)
    await rejected_verdicts(stand, 1)
    for count in (2, 3):
        await correction(user, wrong["flat"])
        await user.wait_for("Данные обновлены")
        rejected = await rejected_verdicts(stand, count)

    refused = await correction(user, wrong["flat"])
    retry_at = moscow_minute(rejected[-1].at + timedelta(hours=1))
    assert COOLING_DOWN in refused.text
    assert f"после {retry_at} (по московскому времени)" in refused.text
    assert "информационный центр" in refused.text and "/centre" in refused.text
    async with stand.sessions() as session:
        ballot = (await session.scalars(select(Ballot))).one()
        kinds = [e.kind for e in await session.scalars(
            select(BallotEvent).where(BallotEvent.ballot_id == ballot.id).order_by(BallotEvent.id))]
        flag = (await session.scalars(select(ReviewFlag))).one()
    assert ballot.status == "rejected" and kinds.count(EventKind.DATA_CORRECTED) == 2  # not sent again
    assert (flag.kind, flag.ballot_id, flag.resident_id) == ("failed_verifications", ballot.id, ballot.resident_id)
    assert flag.detail["by"] == ["account", "person"] and flag.detail["rejections"] == 3
    assert limit_lines(caplog) == [f"limit hit: failed verifications (poll {stand.poll_id})"]

    # the same person's data from another account waits as well: the limit is the person's too
    other = stand.client.user(3302, "Ольга")
    await consent(other)
    await choose_house(other, query=wrong["address"], house=wrong["address"])
    await enter(other, typed(wrong))
    refused = await confirm_without_receipt(other)
    assert COOLING_DOWN in refused.text and retry_at in refused.text
    async with stand.sessions() as session:
        flags = list(await session.scalars(select(ReviewFlag).order_by(ReviewFlag.id)))
    assert [(f.kind, f.detail["by"]) for f in flags] == [("failed_verifications", ["account", "person"]),
                                                         ("failed_verifications", ["person"])]
    assert [e.action for e in await audit_actions(stand)] == ["limit.failed_verifications"] * 2
