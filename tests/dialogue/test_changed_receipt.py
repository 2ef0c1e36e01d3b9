"""A change of choice gets a receipt that tells the truth: the time of the change, and what comes
next as the ballot's status really stands (no promise of a check for a ballot already counted)."""
from __future__ import annotations

import asyncio

from tests.plugins.verifying import resident, vote_as

WORDS = {
    "ru": {"change": "Изменить выбор: кв. {flat}", "no": "👎 ПРОТИВ", "yes": "👍 ЗА", "sure_no": "Да, голосую ПРОТИВ",
           "sure_yes": "Да, голосую ЗА", "changed": "Ваш выбор изменён", "counted": "✅ Ваш голос по дому",
           "rejected": "❌"},
    "en": {"change": "Change my choice: flat {flat}", "no": "👎 NO", "yes": "👍 YES", "sure_no": "Yes, vote NO",
           "sure_yes": "Yes, vote YES", "changed": "Your choice is changed", "counted": "✅ Your vote for",
           "rejected": "❌"},
}


async def change_to_no(user, flat: str, language: str):
    words = WORDS[language]
    await user.send("/start")
    await user.press(words["change"].format(flat=flat))
    await user.press(words["no"])
    await user.press(words["sure_no"])
    return await user.wait_for(words["changed"], timeout=20)


async def test_a_counted_ballot_changed_says_it_counts_at_once_and_nothing_more_comes(verifying):
    stand, summary = verifying
    owner = resident(summary, outcome="counted")
    user = stand.client.user(1521, "Анна")
    code = await vote_as(user, owner)
    await user.wait_for(WORDS["ru"]["counted"], timeout=20)
    changed = await change_to_no(user, owner["flat"], "ru")
    assert code in changed.text and "Выбор: ПРОТИВ" in changed.text and "Статус: ✅ учтён" in changed.text
    assert "Изменён:" in changed.text and "учтён сразу" in changed.text
    assert "проверяются" not in changed.text and "Я сообщу" not in changed.text
    before = len(await user.messages())
    await asyncio.sleep(1.5)  # the verifier and the notice sender poll every 0.05 s
    assert len(await user.messages()) == before


async def test_a_pending_ballot_changed_promises_the_check_and_the_notice_keeps_it(verifying):
    stand, summary = verifying
    owner = resident(summary, outcome="counted")
    user = stand.client.user(1522, "John", language_code="en")
    code = await vote_as(user, owner, "en")
    changed = await change_to_no(user, owner["flat"], "en")
    assert "Changed:" in changed.text and code in changed.text
    if "pending" in changed.text:  # changed before the verifier came to it
        assert "being checked" in changed.text and "I will tell you" in changed.text
    else:
        assert "counts at once" in changed.text
    notice = await user.wait_for(WORDS["en"]["counted"], timeout=20)
    assert code in notice.text


async def test_a_rejected_ballot_changed_says_it_is_still_not_counted(verifying):
    stand, summary = verifying
    wrong = resident(summary, outcome="rejected", reason="passport.invalid")
    user = stand.client.user(1523, "John", language_code="en")
    await vote_as(user, wrong, "en")
    await user.wait_for(WORDS["en"]["rejected"], timeout=20)
    changed = await change_to_no(user, wrong["flat"], "en")
    assert "Status: ❌ not counted" in changed.text and "still not counted" in changed.text
    assert "/status" in changed.text and "being checked" not in changed.text


async def test_the_same_choice_again_says_nothing_changed(verifying):
    stand, summary = verifying
    owner = resident(summary, outcome="counted")
    user = stand.client.user(1524, "Анна")
    await vote_as(user, owner)
    await user.wait_for(WORDS["ru"]["counted"], timeout=20)
    await user.send("/start")
    await user.press(WORDS["ru"]["change"].format(flat=owner["flat"]))
    await user.press(WORDS["ru"]["yes"])
    await user.press(WORDS["ru"]["sure_yes"])
    same = await user.wait_for("ничего не изменилось", timeout=20)
    assert "Ваш выбор и так был ЗА" in same.text and "Ваш выбор изменён" not in same.text
