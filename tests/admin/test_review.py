"""One person's data used from two Telegram accounts for one flat: the second ballot is refused and
held; an operator keeps the first, accepts the second or rejects both, and both residents are told."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import Ballot, BallotEvent, ReviewFlag
from storage.staff import AuditEntry
from tests.dialogue.steps import (
    WORDS,
    button_with,
    choose_house,
    consent,
    enter,
    has_button,
    press_when_shown,
)
from tests.plugins.staff import ADMIN_ID
from tests.plugins.verifying import resident, typed, vote_as

OUTCOME_BUTTONS = {"keep_first": "Оставить первый голос", "accept_second": "Принять второй",
                   "reject_both": "Отклонить оба"}


async def second_attempt(user, person: dict, language: str) -> str:
    words = WORDS[language]
    await consent(user, language)
    await choose_house(user, query=person["address"], house=person["address"])
    await enter(user, typed(person))
    await press_when_shown(user, words["all_correct"])
    await press_when_shown(user, words["yes"])
    refused = await press_when_shown(user, words["sure_yes"])
    return refused.text


@pytest.mark.parametrize("outcome", ["keep_first", "accept_second", "reject_both"])
async def test_a_duplicate_identity_is_resolved_and_both_residents_are_told(staff_stand, outcome):
    stand, summary = staff_stand
    person = resident(summary, outcome="counted")
    first = stand.client.user(1701, "Анна")
    code = await vote_as(first, person)
    await first.wait_for("✅ Ваш голос по дому", timeout=20)
    second = stand.client.user(1702, "Anna", language_code="en")
    refused = await second_attempt(second, person, "en")
    assert "from another Telegram account" in refused
    async with stand.sessions() as session:
        flag = await session.scalar(select(ReviewFlag))
        assert flag.sealed and flag.resolved_at is None
        assert person["passport"].encode() not in flag.sealed  # held sealed, not in clear

    admin = stand.client.user(ADMIN_ID, "Админ")
    await admin.send("/admin")
    await admin.wait_for(has_button("🔍 Очередь проверки"))
    queue = await admin.press("🔍 Очередь проверки")
    assert "нерешённых 1" in queue.text
    card = await admin.press(button_with(queue, f"#{flag.id} ·"))
    assert code in card.text and person["full_name"] not in card.text and person["passport"] not in card.text
    await admin.press(OUTCOME_BUTTONS[outcome])
    done = await admin.press("Документы проверены в центре")
    assert "Оба жителя уведомлены" in " ".join(m.text for m in await admin.messages()), done.text

    if outcome == "keep_first":
        told_first = await first.wait_for("остаётся в силе", timeout=20)
        told_second = await second.wait_for("yours is not accepted", timeout=20)
        assert "📨 Contact the centre" in sum(told_second.buttons, [])
    elif outcome == "accept_second":
        told_first = await first.wait_for("не учтён", timeout=20)
        assert "📨 Связаться с центром" in sum(told_first.buttons, [])
        told_second = await second.wait_for("accepted your vote", timeout=20)
        # the held ballot goes to the registries like any other: the same person, so counted
        await second.wait_for("✅ Your vote for", timeout=20)
    else:
        told_first = await first.wait_for("не учтён", timeout=20)
        told_second = await second.wait_for("neither ballot counts", timeout=20)
    assert code in told_first.text

    async with stand.sessions() as session:
        flag = await session.scalar(select(ReviewFlag))
        assert (flag.resolution, flag.resolved_by, flag.resolution_note) == (outcome, ADMIN_ID, "documents")
        assert flag.sealed is None  # decided: the refused attempt's data is erased
        ballots = {b.receipt_code: b for b in await session.scalars(select(Ballot))}
        reviewed = list(await session.scalars(select(BallotEvent).where(BallotEvent.kind == "reviewed")))
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "review.resolve"))
    assert audit.detail["outcome"] == outcome
    kept = ballots[code]
    if outcome == "keep_first":
        assert (kept.status, len(ballots), len(reviewed)) == ("counted", 1, 1)
    elif outcome == "accept_second":
        assert (kept.status, kept.reasons) == ("rejected", ["review.other_account_counts"])
        (new,) = [b for c, b in ballots.items() if c != code]
        assert new.status == "counted" and len(reviewed) == 2
    else:
        assert (kept.status, kept.reasons, len(ballots)) == ("rejected", ["review.identity_unconfirmed"], 1)
