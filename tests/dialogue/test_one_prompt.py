"""A refused answer edits the question on screen to say why above it: however many tries, the chat
holds one prompt per question; a good answer sets it back to the plain question. Where the prompt
cannot be edited, the warning and the question come as new messages, and the dialogue goes on."""
from __future__ import annotations

from tests.dialogue.steps import choose_house, consent
from tests.plugins.dialogue import Person

GOOD = Person().answers()


def prompts(messages, fragment: str) -> list:
    return [m for m in messages if m.from_bot and fragment in m.text]


async def test_wrong_flats_and_passports_edit_their_one_prompt(stand):
    user = stand.client.user(2001, "Анна")
    await consent(user)
    question = await choose_house(user)
    bot_messages = len([m for m in await user.messages() if m.from_bot])

    first = await user.send("abc")
    assert first.id == question.id and first.text.startswith("⚠️ ") and first.text.endswith(question.text)
    second = await user.send("-")
    assert second.id == question.id and second.text.startswith("⚠️ Попытка 2: "), second.text
    assert second.buttons == question.buttons  # Back and Cancel stay on the one prompt
    assert len([m for m in await user.messages() if m.from_bot]) == bot_messages
    assert len(prompts(await user.messages(), "Введите номер квартиры")) == 1

    await user.send(GOOD[0])
    (flat_prompt,) = prompts(await user.messages(), "Введите номер квартиры")
    assert flat_prompt.text == question.text and flat_prompt.buttons == []  # plain again, answered

    for answer in GOOD[1:3]:
        passport_question = await user.send(answer)
    for bad in ("00 12 345678", "45 12 34567", "45 12 34567"):
        await user.send(bad)
    (passport_prompt,) = prompts(await user.messages(), "Введите серию и номер паспорта")
    assert passport_prompt.id == passport_question.id
    assert passport_prompt.text.startswith("⚠️ Попытка 3: ") and "Введено цифр: 9" in passport_prompt.text
    review = None
    for answer in GOOD[3:]:
        review = await user.send(answer)
    assert "Проверьте данные" in review.text


async def test_in_english_the_attempt_is_numbered_too(stand):
    user = stand.client.user(2002, "John", language_code="en")
    await consent(user, "en")
    question = await choose_house(user)
    await user.send("abc")
    again = await user.send("abc")
    assert again.id == question.id and again.text.startswith("⚠️ Attempt 2: ") and "flat" in again.text.lower()
    assert again.text.endswith(question.text)


async def test_a_prompt_that_cannot_be_edited_is_asked_anew(stand):
    user = stand.client.user(2003, "Анна")
    await consent(user)
    question = await choose_house(user)
    await stand.client.add_fault("400", chat_id=user.id, method="editMessageText", times=1,
                                 description="Bad Request: message can't be edited")
    asked_again = await user.send("abc")
    messages = await user.messages()
    warning = messages[-2]
    assert warning.from_bot and warning.text.startswith("⚠️") and "Номер квартиры" in warning.text
    assert asked_again.id != question.id and asked_again.text == question.text
    assert [m for m in messages if m.id == question.id][0].buttons == []  # only the newest prompt has buttons
    asked = await user.send(GOOD[0])
    assert "ФИО" in asked.text
