"""The user-side client against a real aiogram Dispatcher polling the sandbox."""
from __future__ import annotations

import pytest
from aiogram import Bot

from sandbox.client import SandboxClient, SandboxError
from tests.plugins.sandbox import png


async def test_start_answers_with_text_and_buttons(demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna = sandbox_client.user(801, "Анна")
    answer = await anna.send("/start")
    assert answer.text == "Здравствуйте, Анна! Голосуем?"
    assert answer.buttons == [["Да", "Нет"]]
    assert await anna.last_message() == answer


async def test_the_bot_speaks_the_users_language(demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    john = sandbox_client.user(802, "John", language_code="en")
    answer = await john.send("/start")
    assert answer.text == "Hello, John! Shall we vote?" and answer.buttons == [["Yes", "No"]]


async def test_pressing_a_button_edits_the_message_in_place(demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna = sandbox_client.user(803, "Анна")
    question = await anna.send("/start")
    answer = await anna.press("Да")
    assert answer.id == question.id and answer.edited
    assert answer.text == "Ваш голос: Да" and answer.buttons == []
    assert (await anna.chat())["notices"][-1]["text"] == "Голос принят"


async def test_a_press_answered_after_the_buttons_go_returns_the_answer(
        demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna = sandbox_client.user(850, "Анна")
    await anna.send("/slow")
    answer = await anna.press("Сохранить")  # not the prompt without its buttons, 0.5 s before
    assert answer.text == "Сохранено"
    assert [(m.text, m.buttons) for m in await anna.messages() if m.from_bot] == [("Сохранить?", []),
                                                                                  ("Сохранено", [])]


async def test_a_message_deleted_before_a_slow_answer_waits_for_the_answer(
        demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna = sandbox_client.user(851, "Анна")
    await anna.send("/start")
    answer = await anna.send("/slow_secret 45 02 573482")
    assert answer.text == "Принято"
    assert not any("573482" in m.text for m in await anna.messages())


async def test_a_button_can_be_pressed_by_its_callback_data(demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna = sandbox_client.user(804, "Анна")
    await anna.send("/start")
    assert (await anna.press("vote:no")).text == "Ваш голос: Нет"


async def test_pressing_a_missing_button_lists_the_buttons_there_are(
        demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna = sandbox_client.user(805, "Анна")
    await anna.send("/start")
    with pytest.raises(SandboxError) as raised:
        await anna.press("Может быть")
    assert "Может быть" in str(raised.value) and "[Да]  [Нет]" in str(raised.value)


async def test_reply_keyboard_buttons_arrive_as_text_and_contact(
        demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna = sandbox_client.user(806, "Анна", phone_number="+79001234567")
    menu = await anna.send("/menu")
    assert menu.reply_keyboard == [["Помощь"], ["Поделиться номером"]]
    assert (await anna.press_reply("Поделиться номером")).text == "Телефон: +79001234567"
    help_answer = await anna.press("Помощь")  # no inline button has it: the keyboard's is pressed
    assert help_answer.text == "Это песочница"
    assert await anna.reply_keyboard() is None
    assert [m.text for m in await anna.messages() if not m.from_bot][-1] == "Помощь"


async def test_a_message_the_bot_deletes_disappears_from_the_chat(
        demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna = sandbox_client.user(807, "Анна")
    await anna.send("/secret 4510 123456")
    texts = [m.text for m in await anna.messages()]
    assert texts == ["Принято, сообщение с данными удалено"]


async def test_photo_and_document_round_trip(demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna = sandbox_client.user(808, "Анна")
    photo_answer = await anna.send_photo(png(20, 10), filename="doc.png")
    assert photo_answer.text == "Фото получено" and photo_answer.photo_url
    document_answer = await anna.send_document(b"12345", filename="act.txt")
    assert document_answer.document["file_name"] == "reversed-act.txt"
    assert await sandbox_client.download(document_answer.document["url"]) == b"54321"


async def test_waiting_for_a_silent_bot_fails_showing_the_chat(demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna = sandbox_client.user(809, "Анна")
    await anna.send("/start")
    with pytest.raises(SandboxError) as raised:
        await anna.send("/silent", timeout=0.5)
    report = str(raised.value)
    assert "did not answer" in report and "/silent" in report and "Голосуем?" in report


async def test_wait_for_a_message_the_bot_sends_later(demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna = sandbox_client.user(810, "Анна")
    assert (await anna.send("/later")).text == "Проверяем…"
    notice = await anna.wait_for("засчитан")
    assert notice.text == "Голос засчитан"


async def test_people_have_separate_chats(demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    anna, boris = sandbox_client.user(811, "Анна"), sandbox_client.user(812, "Борис")
    await anna.send("один")
    await boris.send("два")
    assert [m.text for m in await anna.messages()] == ["один", "Вы написали: один"]
    assert [m.text for m in await boris.messages()] == ["два", "Вы написали: два"]
    assert {u["id"] for u in await sandbox_client.users()} == {811, 812}


async def test_the_bots_commands_reach_the_menu(demo_bot: Bot, sandbox_client: SandboxClient) -> None:
    john = sandbox_client.user(813, "John", language_code="en")
    assert [c["description"] for c in (await john.chat())["commands"]] == ["Start", "Menu"]
