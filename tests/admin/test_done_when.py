"""The admin side as the issue's "done when" puts it, in one sandbox: an admin creates and opens a
district's poll from the bot, announces it to the houses' residents with a live progress message,
and answers a claim a resident filed about a rejected vote; a resident sees none of the staff side."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import distinct, func, select

from storage.broadcasts import Broadcast, BroadcastRecipient
from storage.claims import Claim
from storage.models import Ballot, Poll, PollHouse
from tests.admin.test_claims import ANSWER_TEXT, CLAIM_TEXT, WORDS, answer_claim, rejected_vote, write_claim
from tests.admin.test_polls_bot import DISTRICT, OKRUG, moscow, polls_section
from tests.dialogue.steps import button_with, has_button, press_when_shown
from tests.plugins.staff import ADMIN_ID
from tests.plugins.verifying import vote_as

TITLE = "Шлагбаум во дворе"
ANNOUNCEMENT = "Во дворе голосуют за шлагбаум: проголосуйте до конца месяца"
UNKNOWN_COMMAND = "Я не знаю такой команды"


async def test_an_admin_opens_announces_and_answers_while_a_resident_sees_none_of_it(staff_stand):
    stand, summary = staff_stand
    admin = stand.client.user(ADMIN_ID, "Админ")

    # a resident of the district has voted in the stand's poll: one of "the houses' residents"
    anna = stand.client.user(730001, "Анна")
    await vote_as(anna, next(r for r in summary.residents if r["levels"] == "identity=3,apartment=2"
                             and r["outcome"] == "counted" and r["unom"] in ("1", "4")))

    # a resident whose vote was not counted files a claim from the notice
    peter, _code = await rejected_vote(stand, summary, 730002, "passport.invalid")
    await peter.press(WORDS["ru"]["contact"])
    await write_claim(peter, CLAIM_TEXT, "ru")

    # 1. the poll, created and opened from the bot
    await polls_section(stand, admin)
    await admin.press("➕ Новое голосование")
    for answer in (TITLE, "Поставить шлагбаум во дворе?", "Въезд только для жителей.", "Courtyard barrier",
                   "Install a barrier in the courtyard?"):
        await admin.send(answer)
    await admin.press("Пропустить ⏭")
    await admin.press("Дома района")
    await admin.press(OKRUG)
    await admin.press(DISTRICT)
    await admin.press("Сейчас")
    await admin.send(moscow(datetime.now(timezone.utc) + timedelta(days=10)))
    await admin.press("✅ 3/2")
    await admin.press("распределяются как квартиры «за» и «против» (326-ПП)")
    await admin.press("2/3")
    await admin.press("Да, остаются (2017)")
    await admin.press("✅ Создать черновик")
    await admin.wait_for(has_button("▶ Открыть"))
    await admin.press("▶ Открыть")
    await admin.press("Да, открыть")
    await admin.wait_for("открыто: жители")
    async with stand.sessions() as session:
        poll = await session.scalar(select(Poll).where(Poll.title == TITLE))
    assert poll.state == "open"

    # 2. announced to the poll's houses, with the progress message edited in place
    await admin.send("/announce")
    await admin.send(ANNOUNCEMENT)
    await admin.press(TITLE)  # the vote's button under the announcement
    await press_when_shown(admin, "Жители домов голосования")
    ready = await press_when_shown(admin, TITLE)
    async with stand.sessions() as session:  # the residents with a ballot for one of the poll's houses
        voters = await session.scalar(select(func.count(distinct(Ballot.resident_id))).join(
            PollHouse, (PollHouse.house_id == Ballot.house_id) & (PollHouse.poll_id == poll.id)))
    assert voters >= 1 and f"Сейчас получателей: {voters}" in ready.text, ready.text
    await press_when_shown(admin, "✅ Отправить")
    await press_when_shown(admin, f"✅ Да, отправить {voters}")
    progress = await admin.wait_for(lambda m: "завершено" in m.text, timeout=20)
    assert f"Отправлено: {voters} из {voters}" in progress.text, progress.text
    async with stand.sessions() as session:
        job = await session.scalar(select(Broadcast).order_by(Broadcast.id.desc()))
        rows = list(await session.scalars(select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == job.id)))
    assert job.progress_message_id == progress.id  # one message, edited, not a new one each time
    assert [row.state for row in rows] == ["sent"] * voters
    announcement = await anna.wait_for(ANNOUNCEMENT)
    opened = await anna.press(button_with(announcement, TITLE))
    assert "адрес" in opened.text.lower(), opened.text

    # 3. the claim, answered from the desk
    async with stand.sessions() as session:
        claim = await session.scalar(select(Claim).order_by(Claim.id.desc()))
    await answer_claim(admin, claim.id, ANSWER_TEXT, "ru")
    await peter.wait_for(WORDS["ru"]["answered"], timeout=20)
    answer = await peter.press(WORDS["ru"]["read"])
    assert ANSWER_TEXT in answer.text, answer.text

    # 4. the residents see none of it: out of any step, a staff command is an unknown one
    for person in (anna, peter):
        await person.send("/cancel")
        for command in ("/admin", "/announce"):
            reply = await person.send(command)
            assert UNKNOWN_COMMAND in reply.text and not reply.buttons, (command, reply.text)
