"""The vote's verification levels decide which questions are asked."""
from __future__ import annotations

import shutil

import pytest

from tests.dialogue.steps import cast, choose_house, consent
from tests.plugins.dialogue import voting_stand
from verification.levels import Levels


@pytest.mark.parametrize(
    ("levels", "answers", "not_asked"),
    [
        (Levels(1, 0), ["12", "Петрова Анна Сергеевна", "14.03.1975"], ["номер паспорта", "СНИЛС", "ФЛС"]),
        (Levels(2, 1), ["12", "Петрова Анна Сергеевна", "14.03.1975", "45 12 345678", "1234567890"],
         ["СНИЛС", "собственности"]),
    ],
    ids=["name-only", "passport-and-fls"],
)
async def test_only_the_required_fields_are_asked(tmp_path, houses_template, pii_keys, levels, answers, not_asked):
    database_file = tmp_path / "vote.sqlite3"
    shutil.copy(houses_template, database_file)
    async with voting_stand(database_file, pii_keys=pii_keys, levels=levels) as stand:
        user = stand.client.user(1601, "Анна")
        await consent(user)
        await choose_house(user)
        for answer in answers:
            last = await user.send(answer)
        assert "Проверьте данные" in last.text
        questions = " ".join(m.text for m in await user.messages() if m.from_bot and m.text.startswith("Введите"))
        for word in not_asked:
            assert word not in questions
        assert await cast(user)
