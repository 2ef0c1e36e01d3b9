"""Paper ballots at a service centre's counter: an operator enters one in the bot with the
dialogue's own prompts and validators, gets the receipt code, and the worker verifies it."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from handlers.callbacks import AdminCb, AdminSection
from storage.models import Ballot, BallotStatus, Channel
from storage.staff import AuditEntry, Role
from tests.admin.test_polls_bot import press_data
from tests.dialogue.steps import RECEIPT, button_with, has_button
from tests.plugins.verifying import resident

OPERATOR_ID = 723001
FIELDS = ("flat", "full_name", "birth_date", "passport", "snils", "fls", "property_document")


async def test_an_operator_enters_a_paper_ballot_and_the_worker_verifies_it(staff_stand):
    stand, summary = staff_stand
    async with stand.sessions() as session:
        await stand.app.dispatcher["staff"].grant(session, OPERATOR_ID, Role.OPERATOR, by=None)
    person = resident(summary, outcome="counted")
    operator = stand.client.user(OPERATOR_ID, "Оператор")
    await operator.send("/admin")
    await press_data(stand, operator, AdminCb(section=AdminSection.PAPER).pack())
    polls = await operator.last_message()
    assert "Выберите голосование" in polls.text
    await operator.press(button_with(polls, "Реновация"))
    nothing = await operator.send("несуществующая улица 99999")
    assert "Не нашёл такой адрес" in nothing.text
    houses = await operator.send(person["address"])
    await operator.press(button_with(houses, person["address"]))

    await operator.send(person["flat"])
    await operator.send(person["full_name"])
    refused = await operator.send("31.02.1970")  # the dialogue's validator refuses it, and asks again
    assert "Введите дату рождения" in refused.text
    assert "⚠️" in (await operator.messages())[-2].text
    for name in FIELDS[2:]:
        await operator.send(person[name])
    choice = await operator.last_message()
    assert "Выбор жителя" in choice.text
    await operator.press("👍 ЗА")
    moment = await operator.last_message()
    future = await operator.send("01.01.2099 10:00")
    assert "ещё не наступил" in future.text, future.text
    review = await operator.press("Сейчас")
    assert moment is not None and "Проверьте данные" in review.text and "Выбор: <b>ЗА</b>" not in review.text
    assert person["passport"] not in review.text  # masked as in the resident's review
    await operator.press("✅ Принять бумажный бюллетень")
    done = await operator.wait_for(lambda message: RECEIPT.search(message.text) is not None)
    code = RECEIPT.search(done.text).group(1)
    assert "Передайте код жителю" in done.text and person["full_name"] not in done.text

    # what the operator typed of the person is gone from the chat; the flat number is not personal
    texts = [m.text for m in await operator.messages()]
    for name in FIELDS[1:]:
        assert not any(person[name] in text for text in texts if name != "birth_date"), name

    async with stand.sessions() as session:
        ballot = await session.scalar(select(Ballot).where(Ballot.receipt_code == code))
        assert ballot.channel == Channel.PAPER and ballot.resident_id is None and ballot.choice == "yes"
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "paper.cast")))
    assert [(e.actor, e.detail) for e in entries] == [(f"tg:{OPERATOR_ID}", {"receipt": code})]
    for _ in range(100):
        async with stand.sessions() as session:
            status = (await session.get(Ballot, ballot.id)).status
        if status != BallotStatus.PENDING:
            break
        await asyncio.sleep(0.2)
    assert status == BallotStatus.COUNTED

    # the same person's paper ballot for the flat again is refused, and nothing is stored
    again = await operator.press("➕ Ещё один бумажный бюллетень в этом голосовании")
    assert "адрес дома жителя" in again.text
    houses = await operator.send(person["address"])
    await operator.press(button_with(houses, person["address"]))
    for name in FIELDS:
        await operator.send(person[name])
    await operator.press("👎 ПРОТИВ")
    await operator.press("Сейчас")
    refused = await operator.press("✅ Принять бумажный бюллетень")
    assert "уже есть бумажный бюллетень" in refused.text, refused.text
    await operator.wait_for(has_button("✖ Отмена"))
    await operator.press("✖ Отмена")
    assert "ничего не сохранено" in (await operator.last_message()).text
    async with stand.sessions() as session:
        assert len(list(await session.scalars(select(Ballot).where(Ballot.channel == Channel.PAPER)))) == 1
