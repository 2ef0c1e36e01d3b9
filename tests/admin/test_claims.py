"""A resident whose vote was not counted files a claim; the centre's desk takes it and answers; the
resident reads the answer in the bot — in Russian and in English; the text is never stored in clear."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from sqlalchemy import select

from storage.claims import Claim, ClaimMessage
from storage.models import Ballot, BallotEvent
from storage.staff import AuditEntry, StaffRole
from tests.dialogue.steps import button_with, has_button
from tests.plugins.staff import ADMIN_ID
from tests.plugins.verifying import resident, vote_as
from verification.calendar import MOSCOW, add_working_days

CLAIM_TEXT = "Паспорт заменён в мае, прошу проверить заново — Зимородков"
ANSWER_TEXT = "Проверили: в реестре МВД старые данные, голос отправлен на повторную проверку"
WORDS = {
    "ru": {"contact": "📨 Связаться с центром", "not_counted": "Мой голос не учтён", "send": "✅ Отправить в центр",
           "registered": "зарегистрировано", "claims": "📨 Обращения", "take": "🔧 Взять в работу",
           "reply": "✍ Ответить", "answered": "ответил на ваше обращение", "read": "📖 Прочитать ответ",
           "recheck": "🔁 Проверить голос заново", "claim_about": "📨 Обращение по кв."},
    "en": {"contact": "📨 Contact the centre", "not_counted": "My vote was not counted", "send": "✅ Send to the centre",
           "registered": "is registered", "claims": "📨 Claims", "take": "🔧 Take it", "reply": "✍ Reply",
           "answered": "answered your claim", "read": "📖 Read the answer", "recheck": "🔁 Re-check the ballot",
           "claim_about": "📨 A claim about flat"},
}


async def rejected_vote(stand, summary, user_id: int, reason: str, language: str = "ru"):
    user = stand.client.user(user_id, "Пётр" if language == "ru" else "Peter", language_code=language)
    code = await vote_as(user, resident(summary, outcome="rejected", reason=reason), language)
    await user.wait_for(lambda m: m.text.startswith("❌") and code in m.text, timeout=20)
    return user, code


async def write_claim(user, text: str, language: str) -> str:
    words = WORDS[language]
    await user.press(words["not_counted"])
    confirm = await user.send(text)
    assert words["send"] in sum(confirm.buttons, []), confirm.text
    registered = await user.press(words["send"])
    assert words["registered"] in registered.text, registered.text
    return registered.text


async def open_queue(staff, language: str):
    await staff.send("/admin")
    await staff.wait_for(has_button(WORDS[language]["claims"]))
    return await staff.press(WORDS[language]["claims"])


async def answer_claim(staff, number: int, text: str, language: str) -> None:
    words = WORDS[language]
    queue = await open_queue(staff, language)
    card = await staff.press(button_with(queue, f"{'№' if language == 'ru' else 'No'} {number} ·"))
    assert words["take"] in sum(card.buttons, []), card.text
    await staff.press(words["take"])
    await staff.wait_for(has_button(words["reply"]))
    await staff.press(words["reply"])
    await staff.send(text)


async def test_a_claim_from_the_notice_is_taken_answered_and_read_in_russian(staff_stand, tmp_path):
    stand, summary = staff_stand
    user, code = await rejected_vote(stand, summary, 1601, "passport.invalid")

    contacts = await user.press(WORDS["ru"]["contact"])
    assert "+7 495 777-77-77" in contacts.text and "centre@example.org" in contacts.text
    assert "Пн–Пт 9:00–18:00" in contacts.text
    await user.press(WORDS["ru"]["not_counted"])
    too_long = await user.send("а" * 2001)
    assert "слишком длинный" in too_long.text and "2000" in too_long.text
    confirm = await user.send(CLAIM_TEXT)
    assert CLAIM_TEXT in confirm.text
    registered = await user.press(WORDS["ru"]["send"])
    due = add_working_days(datetime.now(timezone.utc), 2).astimezone(MOSCOW).strftime("%d.%m.%Y")
    assert "Обращение № 1 зарегистрировано" in registered.text and code in registered.text
    assert due in registered.text

    # the same kind again, from /status: where the first one stands
    status = await user.send("/status")
    await user.press(button_with(status, WORDS["ru"]["claim_about"]))
    again = await user.press(WORDS["ru"]["not_counted"])
    assert "уже есть обращение № 1" in again.text and "ждёт оператора" in again.text

    admin = stand.client.user(ADMIN_ID, "Админ")
    queue = await open_queue(admin, "ru")
    assert "№ 1 · Мой голос не учтён" in " ".join(sum(queue.buttons, []))
    card = await admin.press(button_with(queue, "№ 1 ·"))
    assert code in card.text and CLAIM_TEXT in card.text and "МВД: не совпадает" in card.text
    assert resident(summary, outcome="rejected", reason="passport.invalid")["passport"] not in card.text
    await admin.press(WORDS["ru"]["take"])
    await admin.wait_for(has_button(WORDS["ru"]["reply"]))
    await admin.press(WORDS["ru"]["reply"])
    sent = await admin.send(ANSWER_TEXT)
    assert "Житель" in sent.text and ANSWER_TEXT in sent.text

    notice = await user.wait_for(WORDS["ru"]["answered"], timeout=20)
    assert "№ 1" in notice.text and ANSWER_TEXT not in notice.text  # the outbox keeps no free text
    answer = await user.press(WORDS["ru"]["read"])
    assert ANSWER_TEXT in answer.text and CLAIM_TEXT in answer.text
    await user.press("↩ Ответить")
    replied = await user.send("Спасибо, жду результата")
    assert "добавлен к обращению № 1" in replied.text
    await admin.wait_for("Житель ответил по обращению № 1", timeout=20)

    async with stand.sessions() as session:
        claim = await session.scalar(select(Claim))
        assert (claim.state, claim.operator_id) == ("in_work", ADMIN_ID)
        assert len(list(await session.scalars(select(ClaimMessage)))) == 3
        actions = [entry.action for entry in await session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions[-2:] == ["claim.take", "claim.answer"]
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("vote.sqlite3*"))
    for secret in (CLAIM_TEXT, ANSWER_TEXT, "Зимородков"):
        assert secret.encode() not in stored


async def test_an_operator_answers_a_claim_from_status_in_english(staff_stand):
    stand, summary = staff_stand
    operator_id = 700002
    async with stand.sessions() as session:
        session.add(StaffRole(telegram_id=operator_id, role="operator", granted_by=ADMIN_ID))
        await session.commit()
    user, code = await rejected_vote(stand, summary, 1602, "snils.not_this_person", "en")
    status = await user.send("/status")
    kinds = await user.press(button_with(status, WORDS["en"]["claim_about"]))
    assert "What is the claim about?" in kinds.text
    await write_claim(user, "My SNILS is right, please look again", "en")

    operator = stand.client.user(operator_id, "Olga", language_code="en")
    await answer_claim(operator, 1, "We checked the Pension Fund's answer", "en")
    notice = await user.wait_for(WORDS["en"]["answered"], timeout=20)
    assert code in notice.text
    answer = await user.press(WORDS["en"]["read"])
    assert "We checked the Pension Fund's answer" in answer.text and "The information centre" in answer.text
    # a resident has no desk: its buttons never show, /admin is an unknown command
    assert not any("Take it" in text for text in sum(answer.buttons, []))
    unknown = await user.send("/admin")
    assert "do not know this command" in unknown.text


async def test_a_recheck_sends_the_ballot_back_and_the_verifier_decides_again(staff_stand):
    stand, summary = staff_stand
    user, code = await rejected_vote(stand, summary, 1603, "fls.not_this_flat")
    await user.press(WORDS["ru"]["contact"])
    await write_claim(user, "ФЛС верный, проверьте", "ru")

    admin = stand.client.user(ADMIN_ID, "Админ")
    queue = await open_queue(admin, "ru")
    await admin.press(button_with(queue, "№ 1 ·"))
    await admin.press(WORDS["ru"]["recheck"])
    await admin.wait_for("возвращён на проверку")

    async def history() -> list[str]:
        async with stand.sessions() as session:
            ballot = await session.scalar(select(Ballot).where(Ballot.receipt_code == code))
            return [e.kind for e in await session.scalars(
                select(BallotEvent).where(BallotEvent.ballot_id == ballot.id).order_by(BallotEvent.id))]

    async def rejections() -> int:
        return sum(1 for m in await user.messages() if m.from_bot and m.text.startswith("❌") and code in m.text)

    # the registries answer as before: the verifier's second verdict and its notice follow the recheck
    assert await eventually(lambda: history(), lambda kinds: kinds[-2:] == ["recheck", "verdict"]
                            or kinds[-3:-1] == ["recheck", "verdict"])
    assert await eventually(rejections, lambda number: number == 2)
    async with stand.sessions() as session:
        assert "claim.recheck" in [e.action for e in await session.scalars(select(AuditEntry))]


async def eventually(read, holds, *, timeout: float = 20) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if holds(await read()):
            return True
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.2)
