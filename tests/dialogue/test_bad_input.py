"""Each bad answer gets its reason above the question it answered (the same message, edited),
and the dialogue goes on."""
from __future__ import annotations

import pytest

from tests.dialogue.steps import choose_house, consent
from tests.plugins.dialogue import Person

GOOD = Person().answers()
# (step index in the dialogue, bad answer, words of the reason the resident must see)
CASES = [
    (0, "abc", "Номер квартиры"),
    (1, "Qwerty 123", "цифр"),
    (2, "01.01.2090", "ещё не наступила"),
    (2, "17 years", "сначала день, потом месяц"),
    (3, "00 12 345678", "код региона"),
    (4, "112-233-445 96", "контрольное число"),
    (5, "123456789", "ровно 10 цифр"),
    (6, "77/01/abc", "записи о регистрации"),
]


@pytest.mark.parametrize(("step", "bad", "reason"), CASES, ids=[c[1] for c in CASES])
async def test_a_bad_answer_is_explained_and_asked_again(stand, step, bad, reason):
    user = stand.client.user(600 + step, "Анна")
    await consent(user)
    question = await choose_house(user)
    for answer in GOOD[:step]:
        question = await user.send(answer)
    asked_again = await user.send(bad)
    assert asked_again.id == question.id and asked_again.edited
    warning, _, asked = asked_again.text.partition("\n\n")
    assert warning.startswith("⚠️") and reason.lower() in warning.lower(), asked_again.text
    assert asked == question.text and asked_again.buttons == question.buttons
    # the dialogue goes on from the same step with a good answer
    for answer in GOOD[step:]:
        last = await user.send(answer)
    assert "Проверьте данные" in last.text


async def test_a_seventeen_year_old_is_told_the_minimum_age(stand):
    from datetime import date

    user = stand.client.user(620, "Пётр")
    await consent(user)
    await choose_house(user)
    await user.send("5")
    await user.send("Сидоров Пётр Ильич")
    today = date.today()
    await user.send(f"{today.day:02d}.{today.month:02d}.{today.year - 17}"
                    if (today.month, today.day) != (2, 29) else f"28.02.{today.year - 17}")
    refusal = await user.last_message()
    assert refusal.text.startswith("⚠️") and "18" in refusal.text, refusal.text


async def test_english_reasons_for_an_english_speaker(stand):
    user = stand.client.user(621, "John", language_code="en")
    await consent(user, "en")
    await choose_house(user)
    refusal = await user.send("abc")
    assert refusal.text.startswith("⚠️") and "flat" in refusal.text.lower(), refusal.text
