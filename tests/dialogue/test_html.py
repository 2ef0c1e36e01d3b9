"""Every text that carries what a resident typed is valid Telegram HTML, whatever they typed."""
from __future__ import annotations

from datetime import date

import pytest

from bot.i18n import catalogues
from sandbox.formatting import parse_html
from handlers import views
from tests.dialogue.steps import choose_house, consent
from tests.plugins.dialogue import Person
from verification.levels import Field
from verification.refusal import Refusal
from verification.validators import validate

# HTML's three special characters, alone and inside answers that look almost right
ODD = ["<", ">", "&", "<b>", "a<b", "45 02 <573482", "<b>Иванов</b> Иван", "Иванов & Иван Иванович",
       "12 > 3", "112-233-445 <95>", "12345&6789", "77:01:<0001013>:4915", "01.02.19<80", "12&amp;"]


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("item", list(Field), ids=lambda f: f.value)
def test_every_refusal_quoting_odd_input_is_valid_html(item, language):
    i18n = catalogues()
    refused = 0
    with i18n.context(), i18n.use_locale(language):
        for text in ODD:
            verdict = validate(item, text, today=date(2026, 12, 1))
            if isinstance(verdict, Refusal):
                refused += 1
                plain, _entities = parse_html(views.refused(verdict))  # raises as Telegram would refuse
                for key, value in verdict.params.items():
                    assert str(value) in plain, (key, value, plain)
    assert refused > len(ODD) // 2


async def test_a_passport_with_a_bracket_gets_its_reason(stand):
    user = stand.client.user(9601, "Анна")
    await consent(user)
    await choose_house(user)
    for answer in Person().answers()[:3]:
        await user.send(answer)
    refusal = await user.send("45 02 <573482")
    assert refusal.text.startswith("⚠️"), refusal.text
    for method in ("sendMessage", "editMessageText"):
        assert all(call["status"] == 200 for call in await stand.client.calls(method))
