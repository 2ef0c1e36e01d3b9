"""Words a resident reads without stumbling: a consent button anyone can press, how the data is
kept in plain words, the review's step forward first and no button label cut on a phone."""
from __future__ import annotations

import pytest

from tests.dialogue.steps import WORDS, choose_house, consent, enter
from tests.plugins.dialogue import Person

PHONE_ROW = 24  # characters a phone shows across one button
HALF_ROW = 12


async def test_the_consent_speaks_plainly_and_its_button_fits_anyone(stand):
    user = stand.client.user(701, "Анна", language_code="ru")
    greeting = await user.send("/start")
    assert greeting.buttons[0][0] == "✅ Даю согласие"
    assert "хеш" not in greeting.text
    assert "из которого нельзя восстановить номер" in greeting.text


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_the_review_puts_its_step_forward_first_and_cuts_no_label(stand, language):
    user = stand.client.user(702 if language == "ru" else 703, "Анна", language_code=language)
    await consent(user, language)
    await choose_house(user)
    review = await enter(user, Person())
    assert review.buttons[0] == [WORDS[language]["all_correct"]]
    edits = [row for row in review.buttons[1:] if any(text.startswith("✏") for text in row)]
    assert sum(len(row) for row in edits) == 7  # one for each answer
    for row in review.buttons:
        limit = PHONE_ROW if len(row) == 1 else HALF_ROW
        assert all(len(text) <= limit for text in row), row
