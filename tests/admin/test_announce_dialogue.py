"""Announcements in the bot, as the admin and residents see them in the sandbox: compose, preview,
confirm, the progress message; /settings; the vote's button under an announcement."""
from __future__ import annotations

import pytest

from tests.dialogue.steps import consent, press_when_shown
from tests.plugins.staff import ADMIN_ID

WORDS = {
    "ru": {"ask": "Новое объявление", "without": "Без кнопки", "everyone": "Все, кому можно написать",
           "count": "Сейчас получателей: 1", "preview": "👁 Показать мне", "send": "✅ Отправить",
           "yes": "✅ Да, отправить 1", "done": "завершено", "sent": "Отправлено: 1 из 1",
           "button": "🗳 Открыть голосование «Реновация»", "off": "🔕 Отключить объявления",
           "is_off": "отключены", "address": "адрес"},
    "en": {"ask": "A new announcement", "without": "Without a button", "everyone": "Everyone reachable",
           "count": "Recipients now: 1", "preview": "👁 Preview to me", "send": "✅ Send",
           "yes": "✅ Yes, send to 1", "done": "is finished", "sent": "Sent: 1 of 1",
           "button": "🗳 Open the vote «Реновация»", "off": "🔕 Turn announcements off",
           "is_off": "off", "address": "address"},
}
ANNOUNCEMENT = "Собрание жильцов в четверг, 19:00"


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_an_admin_announces_a_vote_and_a_resident_opens_it_from_the_button(staff_stand, language):
    stand, _summary = staff_stand
    words = WORDS[language]
    anna = stand.client.user(710001, "Анна", language_code=language)
    boris = stand.client.user(710002, "Борис", language_code=language)
    for resident in (anna, boris):
        await consent(resident, language)
    shown = await boris.send("/settings")
    assert words["off"] in sum(shown.buttons, [])
    switched = await boris.press(words["off"])
    assert words["is_off"] in switched.text

    admin = stand.client.user(ADMIN_ID, "Админ", language_code=language)
    assert words["ask"] in (await admin.send("/announce")).text
    choose_button = await admin.send(ANNOUNCEMENT)
    assert "Реновация" in sum(choose_button.buttons, [])
    await admin.press("Реновация")
    summary = await press_when_shown(admin, words["everyone"])
    assert words["count"] in summary.text, summary.text
    await admin.press(words["preview"])
    preview = await admin.wait_for(ANNOUNCEMENT)
    assert words["button"] in sum(preview.buttons, [])
    await press_when_shown(admin, words["send"])
    await press_when_shown(admin, words["yes"])
    progress = await admin.wait_for(lambda m: words["done"] in m.text, timeout=15)
    assert words["sent"] in progress.text, progress.text

    announcement = await anna.wait_for(ANNOUNCEMENT)
    assert words["button"] in sum(announcement.buttons, [])
    assert not [m for m in await boris.messages() if ANNOUNCEMENT in m.text]
    opened = await anna.press(words["button"])
    assert words["address"] in opened.text.lower(), opened.text


async def test_a_resident_cannot_announce(staff_stand):
    stand, _summary = staff_stand
    resident = stand.client.user(710010, "Вера")
    await consent(resident)
    answer = await resident.send("/announce")
    assert "Новое объявление" not in answer.text
