"""A resident votes from /start to the receipt, in Russian and in English, through the sandbox."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import Ballot, BallotPersonalData
from tests.dialogue.steps import KUBINKA_HOUSE, RECEIPT, consent, choose_house, enter, vote
from tests.plugins.dialogue import Person


async def test_a_full_vote_in_russian(stand):
    user = stand.client.user(501, "Анна", language_code="ru")
    greeting = await user.send("/start")
    assert "Согласие на обработку персональных данных" in greeting.text
    prompt = await user.press("✅ Даю согласие")
    assert "Напишите адрес своего дома" in prompt.text

    results = await user.send("кубинка 12к3")
    assert results.buttons[0][0].startswith(KUBINKA_HOUSE)
    question = await user.press(results.buttons[0][0])
    assert "номер квартиры" in question.text

    review = await enter(user, Person())
    assert "Проверьте данные" in review.text
    assert "** ** ***678" in review.text  # the passport is masked
    assert "345678" not in review.text.replace("***678", "")

    await user.press("✅ Всё верно")
    confirm = await user.press("👍 ЗА")
    assert "Вы уверены?" in confirm.text
    receipt = await user.press("Да, голосую ЗА")
    assert "Ваш голос принят" in receipt.text and "ожидает проверки" in receipt.text
    code = RECEIPT.search(receipt.text).group(1)

    async with stand.sessions() as session:
        ballot = (await session.scalars(select(Ballot))).one()
        assert (ballot.receipt_code, ballot.choice, ballot.status) == (code, "yes", "pending")
        data = await session.get(BallotPersonalData, ballot.id)
        assert data.passport_hmac and data.snils_hmac and data.fls_hmac and data.property_document_hmac


async def test_a_full_vote_in_english(stand):
    user = stand.client.user(502, "John", language_code="en")
    code = await vote(user, Person(flat="7"), language="en", choice="no")
    receipt = await user.last_message()
    assert "Your ballot is accepted" in receipt.text and "Choice: NO" in receipt.text
    status = await user.send("/status")
    assert code in status.text and "pending verification" in status.text


async def test_personal_data_messages_are_deleted_from_the_chat(stand):
    user = stand.client.user(503, "Анна")
    await consent(user)
    await choose_house(user)
    await enter(user, Person())
    texts = [m.text for m in await user.messages() if not m.from_bot]
    assert "45 12 345678" not in texts and "Петрова Анна Сергеевна" not in texts
    assert "12" in texts  # the flat number is not personal data and stays
