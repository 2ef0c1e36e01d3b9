"""Once the ballot is cast or the dialogue cancelled, no message in the chat shows the resident's
name, birth date or document numbers: the bot's review is deleted, or, where Telegram refuses to
delete it (older than 48 hours), masked; and the prompts say it is the answer that gets deleted."""
from __future__ import annotations

from tests.dialogue.steps import RECEIPT, cast, choose_house, consent, enter, has_button, press_when_shown
from tests.plugins.dialogue import Person

# what the review shows of Person(): the name and birth date in clear, the numbers' last digits
SHOWN = ["Петрова Анна Сергеевна", "14.03.1975", "** ** ***678", "***-***-*** 64", "******7890", "*:*915"]
TOO_OLD = "Bad Request: message can't be deleted for everyone"
MASKED = "🔒 Ваши данные удалены из чата."


async def bot_texts(user) -> list[str]:
    return [m.text for m in await user.messages() if m.from_bot]


def showing_data(texts: list[str]) -> list[str]:
    return [text for text in texts if any(shown in text for shown in SHOWN)]


async def test_after_the_receipt_no_review_is_left_even_after_a_back(stand):
    user = stand.client.user(1901, "Анна")
    await consent(user)
    await choose_house(user)
    review = await enter(user, Person())
    assert showing_data([review.text]) == [review.text]  # the values the test looks for are shown
    await user.press("✅ Всё верно")
    await user.press("◀ Назад")  # from the vote's question: a second review
    await user.wait_for(has_button("✅ Всё верно"))
    assert len([t for t in await bot_texts(user) if "Проверьте данные" in t]) == 2

    code = await cast(user)
    texts = await bot_texts(user)
    assert any(code in text for text in texts)
    assert showing_data(texts) == [] and not any("Проверьте данные" in t for t in texts)
    assert MASKED not in texts  # deleted, not masked
    assert all(call["status"] == 200 for call in await stand.client.calls("deleteMessage"))


async def test_cancel_takes_the_review_out_of_the_chat_and_keeps_the_answers(stand):
    user = stand.client.user(1902, "Анна")
    await consent(user)
    await choose_house(user)
    await enter(user, Person())
    stopped = await user.send("/cancel")
    assert "Остановлено" in stopped.text
    assert showing_data(await bot_texts(user)) == []
    # the answers themselves are kept: /start goes straight to a new review
    await user.send("/start")
    review = await choose_house(user)
    assert "Проверьте данные" in review.text and "Петрова Анна Сергеевна" in review.text


async def test_a_warning_quoting_a_personal_answer_leaves_with_the_cancel_button(stand):
    user = stand.client.user(1903, "Анна")
    await consent(user)
    await choose_house(user)
    for answer in Person().answers()[:3]:
        await user.send(answer)
    warned = await user.send("45 02 <573482")
    assert "«<»" in warned.text
    await user.press("✖ Отмена")
    assert not any("«<»" in text for text in await bot_texts(user))
    assert "Остановлено" in (await user.last_message()).text


async def test_a_review_too_old_to_delete_is_masked_and_the_receipt_still_comes(stand):
    user = stand.client.user(1904, "John", language_code="en")
    await consent(user, "en")
    await choose_house(user)
    review = await enter(user, Person())
    await stand.client.add_fault("400", chat_id=user.id, method="deleteMessage", description=TOO_OLD)
    await cast(user, language="en")
    masked = [m for m in await user.messages() if m.id == review.id]
    assert [m.text for m in masked] == ["🔒 Your data has been removed from the chat."]
    assert masked[0].buttons == []
    assert showing_data(await bot_texts(user)) == []


async def test_a_review_that_can_be_neither_deleted_nor_masked_does_not_stop_the_vote(stand):
    user = stand.client.user(1905, "Анна")
    await consent(user)
    await choose_house(user)
    await enter(user, Person())
    await press_when_shown(user, "✅ Всё верно")
    await press_when_shown(user, "👍 ЗА")
    await user.wait_for(has_button("Да, голосую ЗА"))
    await stand.client.add_fault("400", chat_id=user.id, method="deleteMessage", description=TOO_OLD)
    await stand.client.add_fault("400", chat_id=user.id, method="editMessageText",
                                 description="Bad Request: message can't be edited")
    await user.press("Да, голосую ЗА")
    receipt = await user.wait_for(lambda message: RECEIPT.search(message.text) is not None)
    assert "Ваш голос принят" in receipt.text
    assert not any("Что-то пошло не так" in text for text in await bot_texts(user))
    status = await user.send("/status")
    assert RECEIPT.search(receipt.text).group(1) in status.text


async def test_the_prompt_says_the_answer_is_deleted_not_the_prompt(stand):
    for user_id, language, says, not_says in ((1906, "ru", "🔒 Ваш ответ я удалю из чата сразу после получения.",
                                               "Я удалю это сообщение"),
                                              (1907, "en", "🔒 I delete your answer from the chat as soon as I receive it.",
                                               "I delete this message")):
        user = stand.client.user(user_id, "Анна", language_code=language)
        await consent(user, language)
        await choose_house(user)
        asked = await user.send("12")
        assert asked.text.endswith("\n" + says) and not_says not in asked.text, asked.text
