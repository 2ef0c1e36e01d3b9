"""A resident's moves through the dialogue, as a person would make them in the chat."""
from __future__ import annotations

import re

from sandbox.client import SandboxUser, SeenMessage
from tests.plugins.dialogue import Person

KUBINKA = "Кубинка 12 к3"
KUBINKA_HOUSE = "улица Кубинка, дом 12, корпус 3"
RECEIPT = re.compile(r"(?:Квитанция|Receipt): ([A-Z0-9]{10})")
WORDS = {
    "ru": {"agree": "✅ Даю согласие", "all_correct": "✅ Всё верно", "yes": "👍 ЗА", "no": "👎 ПРОТИВ",
           "sure_yes": "Да, голосую ЗА", "sure_no": "Да, голосую ПРОТИВ"},
    "en": {"agree": "✅ I agree", "all_correct": "✅ All correct", "yes": "👍 YES", "no": "👎 NO",
           "sure_yes": "Yes, vote YES", "sure_no": "Yes, vote NO"},
}


def button_with(message: SeenMessage, fragment: str) -> str:
    for row in message.buttons:
        for text in row:
            if fragment in text:
                return text
    raise AssertionError(f"no button with {fragment!r} in {message.buttons}\n{message.text}")


def has_button(fragment: str):
    return lambda message: any(fragment in text for row in message.buttons for text in row)


async def press_when_shown(user: SandboxUser, button: str) -> SeenMessage:
    """Presses a button once it is on screen: under load the bot may still be writing it."""
    await user.wait_for(has_button(button))
    return await user.press(button)


async def consent(user: SandboxUser, language: str = "ru") -> SeenMessage:
    await user.send("/start")
    return await press_when_shown(user, WORDS[language]["agree"])


async def choose_house(user: SandboxUser, query: str = KUBINKA, house: str = KUBINKA_HOUSE) -> SeenMessage:
    await user.wait_for(has_button("✖"))  # the address prompt is there
    await user.send(query)
    results = await user.wait_for(has_button(house))
    return await user.press(button_with(results, house))


async def enter(user: SandboxUser, person: Person) -> SeenMessage:
    message = None
    for answer in person.answers():
        message = await user.send(answer)
    return message


async def vote(user: SandboxUser, person: Person, *, language: str = "ru", choice: str = "yes",
               query: str = KUBINKA, house: str = KUBINKA_HOUSE) -> str:
    """The whole dialogue from /start to the receipt; returns the receipt code."""
    await consent(user, language)
    await choose_house(user, query, house)
    review = await enter(user, person)
    assert WORDS[language]["all_correct"] in sum(review.buttons, []), review.text
    return await cast(user, language=language, choice=choice)


async def cast(user: SandboxUser, *, language: str = "ru", choice: str = "yes") -> str:
    words = WORDS[language]
    await press_when_shown(user, words["all_correct"])
    await press_when_shown(user, words[choice])
    await press_when_shown(user, words[f"sure_{choice}"])
    receipt = await user.wait_for(lambda message: RECEIPT.search(message.text) is not None)
    found = RECEIPT.search(receipt.text)
    assert found, receipt.text
    return found.group(1)
