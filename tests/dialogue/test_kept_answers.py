"""Back after /cancel or a /start mid-dialogue, the resident is told which answers were kept (by
name, never by value) before the next question, and can start over from the first one."""
from __future__ import annotations

from tests.dialogue.steps import choose_house, consent

KEPT = {"ru": "Я сохранил ваши прежние ответы", "en": "I kept your earlier answers"}


def kept_notices(messages, language: str = "ru") -> list:
    return [m for m in messages if m.from_bot and m.text.startswith(KEPT[language])]


async def test_after_cancel_and_start_the_kept_answers_are_named_before_the_next_question(stand):
    user = stand.client.user(1801, "Анна")
    await consent(user)
    await choose_house(user)
    assert kept_notices(await user.messages()) == []  # a first pass keeps nothing yet
    await user.send("37")
    await user.send("Петрова Анна Сергеевна")
    await user.send("/cancel")
    await user.send("/start")
    asked = await choose_house(user)

    assert "дату рождения" in asked.text
    messages = await user.messages()
    (notice,) = kept_notices(messages)
    assert messages.index(notice) == messages.index(asked) - 1  # right before the next question
    assert notice.text.startswith("Я сохранил ваши прежние ответы: Квартира, ФИО.")
    assert "37" not in notice.text and "Петрова" not in notice.text
    assert notice.buttons == [["Начать заново"]]

    # moving on takes «Start over» off: only the newest step has live buttons
    await user.send("14.03.1975")
    (notice,) = kept_notices(await user.messages())
    assert notice.buttons == []


async def test_start_over_clears_the_kept_answers_and_asks_from_the_first_question(stand):
    user = stand.client.user(1802, "Анна")
    await consent(user)
    await choose_house(user)
    await user.send("37")
    await user.send("Петрова Анна Сергеевна")
    await user.send("/cancel")
    await user.send("/start")
    await choose_house(user)

    asked = await user.press("Начать заново")
    assert "номер квартиры" in asked.text
    cleared = [m for m in await user.messages() if m.from_bot and m.text.startswith("Прежние ответы удалены")]
    assert len(cleared) == 1 and cleared[0].buttons == []
    assert kept_notices(await user.messages()) == []  # the notice now says they are cleared
    asked = await user.send("38")
    assert "ФИО" in asked.text  # the name is asked again: nothing was kept


async def test_a_start_mid_dialogue_names_the_kept_answers_in_english(stand):
    user = stand.client.user(1803, "John", language_code="en")
    await consent(user, "en")
    await choose_house(user)
    for answer in ("37", "Петрова Анна Сергеевна", "14.03.1975"):
        await user.send(answer)
    await user.send("/start")
    asked = await choose_house(user)

    assert "passport" in asked.text
    (notice,) = kept_notices(await user.messages(), "en")
    assert notice.text.startswith("I kept your earlier answers: Flat, Full name, Date of birth.")
    assert "1975" not in notice.text and "Петрова" not in notice.text
    assert notice.buttons == [["Start over"]]
    asked = await user.press("Start over")
    assert "flat number" in asked.text
