"""A newcomer's whole journey, in Russian and in English: a vote rejected by the registries and
corrected from its notice until it counts, a change of choice, and a ballot for a second flat
reusing who they are. Afterwards the chat holds no name, birth date or document number, every
receipt says what really happened, and only the newest prompt of each step keeps its buttons."""
from __future__ import annotations

import re

import pytest

from tests.dialogue.steps import RECEIPT, choose_house, press_when_shown
from tests.dialogue.test_changed_receipt import change_to_no
from tests.dialogue.test_second_flat import ANOTHER
from tests.dialogue.test_verdict_notice import with_wrong_fls
from tests.plugins.verifying import vote_as

SAY = {
    "ru": {"correct": "✏ Исправить данные", "review": "Проверьте данные", "fls": "✏ ФЛС",
           "again": "✅ Всё верно, проверить снова", "counted": "✅ Ваш голос по дому", "same": "Да, те же",
           "flat_asked": "номер квартиры", "all_correct": "✅ Всё верно", "yes": "👍 ЗА", "sure": "Да, голосую ЗА",
           "pending": "Статус: ⏳"},
    "en": {"correct": "✏ Correct my data", "review": "Check your data", "fls": "✏ FLS",
           "again": "✅ All correct, check again", "counted": "✅ Your vote for", "same": "Yes, the same",
           "flat_asked": "flat number", "all_correct": "✅ All correct", "yes": "👍 YES", "sure": "Yes, vote YES",
           "pending": "Status: ⏳"},
}


def personal_values(r: dict[str, str]) -> list[str]:
    """What must not stay in the chat: the values as typed, and their digits run together."""
    digits = [re.sub(r"\D", "", r[key]) for key in ("passport", "snils")]
    return [r["full_name"], *r["full_name"].split()[:1], r["birth_date"], r["passport"], r["snils"], *digits,
            r["fls"], r["property_document"]]


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_a_newcomer_votes_corrects_changes_and_votes_for_a_second_flat(verifying, language):
    stand, summary = verifying
    say = SAY[language]
    wrong, right_fls = with_wrong_fls(summary)
    user = stand.client.user(1600 + (language == "en"), "Ольга", language_code=language)

    code = await vote_as(user, wrong, language)
    await user.wait_for("❌", timeout=20)
    await user.press(say["correct"])
    await user.wait_for(say["review"])
    await user.press(say["fls"])
    await user.send(right_fls)
    await user.press(say["again"])
    counted = await user.wait_for(lambda m: code in m.text and m.text.startswith(say["counted"]), timeout=20)
    assert f"{wrong['flat']}" in counted.text

    changed = await change_to_no(user, wrong["flat"], language)
    assert code in changed.text and ("учтён" in changed.text if language == "ru" else "counted" in changed.text)

    await user.send("/start")
    await press_when_shown(user, ANOTHER[language])
    await press_when_shown(user, say["same"])
    asked = await choose_house(user, query=wrong["address"], house=wrong["address"])
    assert say["flat_asked"] in asked.text
    other_flat = str(int(wrong["flat"]) + 1)
    await user.send(other_flat)
    await user.send(right_fls)
    review = await user.send(wrong["property_document"])
    assert say["review"] in review.text
    await press_when_shown(user, say["all_correct"])
    await press_when_shown(user, say["yes"])
    await press_when_shown(user, say["sure"])
    second = await user.wait_for(lambda m: (found := RECEIPT.search(m.text)) is not None and found.group(1) != code)
    second_code = RECEIPT.search(second.text).group(1)
    assert say["pending"] in second.text or "✅" in second.text or "❌" in second.text
    # the registries' verdict on the second flat, whatever it is, comes as a notice naming it
    await user.wait_for(lambda m: second_code in m.text and (m.text.startswith(say["counted"])
                                                              or m.text.startswith("❌")), timeout=20)

    shown = [m for m in await user.messages() if m.from_bot]
    left = [(value, m.text) for m in shown for value in personal_values({**wrong, "fls": right_fls})
            if value and value in (m.text or "")]
    assert not left, left
    # a receipt never contradicts itself: a counted status with a promise of a check to come
    for m in shown:
        if RECEIPT.search(m.text or "") and ("✅ учтён" in m.text or "✅ counted" in m.text):
            assert "проверяются" not in m.text and "being checked" not in m.text, m.text
    # the only prompts with buttons are the notices' own and the last screen
    with_buttons = [m for m in shown if m.buttons]
    stale = [m.text[:60] for m in with_buttons[:-1] if not (m.text.startswith(say["counted"]) or m.text.startswith("❌")
                                                             or code in m.text or second_code in m.text)]
    assert not stale, stale
