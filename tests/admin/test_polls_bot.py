"""Polls from the bot, as an admin and an auditor use `/admin`: a district's poll created step by step
with English texts, previewed and opened; residents find it; the dashboard's numbers; close and
publish; bad dates and house lists; an auditor reads but cannot change."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from handlers.admin_polls_views import Desk, DeskCb
from handlers.callbacks import AdminCb, AdminSection
from sandbox.client import SandboxUser
from sandbox.user_actions import user_presses
from services.poll_desk import NewPoll, PollDesk
from storage.models import Ballot, Poll
from storage.publications import Publication
from storage.staff import AuditEntry, Role
from tests.dialogue.steps import consent, has_button
from tests.plugins.staff import ADMIN_ID
from tests.plugins.verifying import resident, vote_as
from verification.calendar import MOSCOW

DISTRICT, OKRUG = "Ярославский", "СВАО"
OUT_OF_DATE = "Это меню устарело"


async def press_data(stand, user: SandboxUser, data: str) -> None:
    """Presses a button carrying `data` on the person's newest bot message, as a forged button would."""
    sandbox = stand.server.sandbox
    chat = sandbox.chats[user.id]
    message = next(m for m in reversed(chat.messages.values()) if m.from_bot)
    version = chat.version
    user_presses(sandbox, chat, message, {"text": "button", "callback_data": data})
    await user.wait_answer(after=version, action=f"pressing {data!r}")


async def polls_section(stand, user: SandboxUser):
    """/admin, then its polls section (pressed by its data: the menu's labels are the menu's)."""
    await user.send("/admin")
    await press_data(stand, user, AdminCb(section=AdminSection.POLLS).pack())
    return await user.last_message()


async def audit(stand, action: str) -> list[AuditEntry]:
    async with stand.sessions() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def moscow(moment: datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")


async def close_from_the_bot(stand, admin: SandboxUser, title: str) -> None:
    listing = await polls_section(stand, admin)
    card = await admin.press(next(b for row in listing.buttons for b in row if title in b))
    await admin.press("⏹ Закрыть")
    await admin.press("Да, закрыть")
    assert await admin.wait_for("закрыто.")
    assert "⏹ Закрыть" in str(card.buttons)


async def test_an_admin_creates_a_districts_poll_in_two_languages_and_residents_vote_in_it(staff_stand):
    stand, summary = staff_stand
    admin = stand.client.user(ADMIN_ID, "Админ")
    # the stand's own poll is closed from the bot first: residents see the new one alone, at once
    await close_from_the_bot(stand, admin, "Реновация")

    listing = await polls_section(stand, admin)
    assert "закрыто" in str(listing.buttons)
    await admin.press("➕ Новое голосование")
    await admin.send("Шлагбаум во дворе")
    await admin.send("Поставить шлагбаум во дворе?")
    await admin.send("Въезд только для жителей.")
    await admin.send("Courtyard barrier")
    await admin.send("Install a barrier in the courtyard?")
    houses_step = await admin.press("Пропустить ⏭")
    assert "Какие дома голосуют" in houses_step.text
    await admin.press("Дома района")
    await admin.press(OKRUG)
    opens = await admin.press(DISTRICT)
    assert "Когда начинается голосование" in opens.text

    refused = await admin.send("завтра вечером")
    assert "«завтра вечером» — не дата и время" in (await admin.messages())[-2].text, refused.text
    assert "Когда начинается голосование" in refused.text  # asked again, buttons live on the new prompt
    await admin.press("Сейчас")
    past = await admin.send("01.01.2020 10:00")
    assert "должно заканчиваться после начала" in (await admin.messages())[-2].text, past.text
    before = await admin.send("31.02.2027 10:00")
    assert "не дата и время" in (await admin.messages())[-2].text, before.text
    closes_at = datetime.now(timezone.utc) + timedelta(days=10)
    await admin.send(moscow(closes_at))
    await admin.press("✅ 3/2")
    await admin.press("распределяются как квартиры «за» и «против» (326-ПП)")
    await admin.press("2/3")
    review = await admin.press("Да, остаются (2017)")
    assert f"Дома: район {DISTRICT} (53)" in review.text, review.text
    assert "По-английски: Courtyard barrier / Install a barrier in the courtyard?" in review.text
    await admin.press("✅ Создать черновик")
    created = await admin.wait_for("создан")
    async with stand.sessions() as session:
        poll = await session.scalar(select(Poll).where(Poll.title == "Шлагбаум во дворе"))
    assert poll.state == "draft" and poll.title_en == "Courtyard barrier" and not poll.all_houses
    assert poll.description == "Въезд только для жителей." and poll.description_en is None
    assert f"№{poll.id}" in created.text

    await admin.wait_for(lambda m: "📊 Шлагбаум во дворе" in m.text and has_button("👁 Как видят жители")(m))
    await admin.press("👁 Как видят жители")
    shown = [m.text for m in (await admin.messages())[-4:]]
    assert any("Поставить шлагбаум во дворе?" in text and "Шлагбаум во дворе" in text for text in shown), shown
    assert any("Введите номер квартиры" in text for text in shown), shown
    await admin.press("▶ Открыть")
    await admin.press("Да, открыть")
    assert "открыто" in (await admin.wait_for("открыто: жители")).text
    for action in ("poll.close", "poll.create", "poll.open"):
        entries = await audit(stand, action)
        assert [e.actor for e in entries] == [f"tg:{ADMIN_ID}"], action
    assert (await audit(stand, "poll.open"))[0].subject == f"poll:{poll.id}"

    # a resident of the district finds it at once: the only open poll, straight to its address step
    voter = next(r for r in summary.residents if r["levels"] == "identity=3,apartment=2"
                 and r["outcome"] == "counted" and r["unom"] in ("1", "4"))
    anna = stand.client.user(720001, "Анна")
    await vote_as(anna, voter)
    async with stand.sessions() as session:
        ballot = await session.scalar(select(Ballot).where(Ballot.poll_id == poll.id))
    assert ballot is not None


async def test_an_english_speaking_resident_reads_the_polls_english_title_and_question(staff_stand):
    stand, _summary = staff_stand
    now = datetime.now(timezone.utc)
    async with stand.sessions() as session:
        desk = PollDesk(session, "cli")
        await desk.close(stand.poll_id)
        created = await desk.create(NewPoll(title="Шлагбаум", question="Поставить шлагбаум?", opens_at=now,
                                            closes_at=now + timedelta(days=3), title_en="Courtyard barrier",
                                            question_en="Install a barrier?"))
        await desk.open(created.id)
    john = stand.client.user(720002, "John", language_code="en")
    await consent(john, "en")
    prompt = await john.wait_for(has_button("✖"))
    assert "Courtyard barrier" in prompt.text and "Install a barrier?" in prompt.text, prompt.text


async def test_the_dashboard_counts_ballots_then_the_admin_closes_and_publishes(staff_stand):
    stand, summary = staff_stand
    admin = stand.client.user(ADMIN_ID, "Админ")
    counted = resident(summary, outcome="counted")
    rejected = next(r for r in summary.residents if r["levels"] == "identity=3,apartment=2"
                    and r["outcome"] == "rejected")
    anna, boris = stand.client.user(721001, "Анна"), stand.client.user(721002, "Борис")
    await vote_as(anna, counted)
    await vote_as(boris, rejected)
    await anna.wait_for("✅ Ваш голос", timeout=20)
    await boris.wait_for("❌ Ваш голос", timeout=20)

    listing = await polls_section(stand, admin)
    card = await admin.press(next(b for row in listing.buttons for b in row if "Реновация" in b))
    assert "Голосов: 2 — ✅ учтено 1, ⏳ на проверке 0, ❌ не учтено 1" in card.text, card.text
    assert "В боте: 2 (учтено 1, на проверке 0, не учтено 1)" in card.text
    assert "На бумаге в центрах: 0" in card.text
    assert "Очередь проверки: 0" in card.text and "Просрочено решений: 0" in card.text
    assert "Явка: 2 из" in card.text and "с учтённым голосом: 1" in card.text
    assert "📢 Опубликовать итоги" not in str(card.buttons)  # still open

    await anna.send("/start")  # the dialogue has just read the open polls (and keeps them for seconds)
    await admin.press("⏹ Закрыть")
    await admin.press("Да, закрыть")
    closed = await admin.wait_for(has_button("📢 Опубликовать итоги"))
    assert "Сейчас нет открытых голосований" in (await anna.send("/start")).text  # seen at once
    await admin.press("📢 Опубликовать итоги")
    await admin.press("Да, опубликовать")
    done = await admin.wait_for("Публикация 1 вышла")
    assert "📢" in done.text and closed is not None
    async with stand.sessions() as session:
        publications = list(await session.scalars(select(Publication).where(Publication.poll_id == stand.poll_id)))
    assert [p.number for p in publications] == [1] and publications[0].board_size == 1
    await anna.wait_for("📊", timeout=20)  # the voters are told their house's result
    assert [e.detail["publication"] for e in await audit(stand, "poll.publish")] == [1]


async def test_bad_house_lists_are_reported_by_line_and_nothing_of_them_is_taken(staff_stand):
    stand, _summary = staff_stand
    admin = stand.client.user(ADMIN_ID, "Админ")
    await polls_section(stand, admin)
    await admin.press("➕ Новое голосование")
    for answer in ("Двор", "Ремонт двора?"):
        await admin.send(answer)
    await admin.press("Пропустить ⏭")
    await admin.press("Пропустить ⏭")
    await admin.press("Пропустить ⏭")
    wrong = await admin.send_document(b"unom\n1\nabc\n4\n", filename="houses.csv")
    problems = (await admin.messages())[-2].text
    assert "строка 3: «abc» — не UNOM" in problems and "ничего не взято" in problems, problems
    assert "Какие дома голосуют" in wrong.text
    await admin.send_document("адрес\nx\n".encode(), filename="houses.csv")
    assert "нет столбца" in (await admin.messages())[-2].text
    await admin.send_document(b"unom\n1\n99999991\n", filename="houses.csv")
    assert "нет в адресном реестре: 99999991" in (await admin.messages())[-2].text
    taken = await admin.send_document(b"unom;x\n1;a\n4;b\n", filename="houses.csv")
    assert "Когда начинается голосование" in taken.text
    assert "Домов из файла: 2" in (await admin.messages())[-2].text
    back = await admin.press("◀ Назад")
    assert "Какие дома голосуют" in back.text
    await admin.press("Все дома")
    await admin.send("01.01.2019 10:00")  # opening in the past is allowed; closing in the past is not
    stale = await admin.send("12.12.2020 10:00")
    assert "уже прошло" in (await admin.messages())[-2].text, stale.text
    await admin.send(moscow(datetime.now(timezone.utc) + timedelta(days=3)))
    await admin.press("✅ 3/2")
    await admin.press("не учитываются")
    share = await admin.send("5/4")
    assert "«5/4» — не доля от 0 до 1" in (await admin.messages())[-2].text, share.text
    await admin.send("0,6")
    review = await admin.press("Нет, не учитываются")
    assert "Порог: больше 3/5 квартир; неопределившиеся квартиры не входят в общее число" in review.text, review.text
    assert "Дома: все дома" in review.text and "Квартиры без голосов: не учитываются" in review.text
    await admin.press("✖ Отмена")
    assert "ничего не сохранено" in (await admin.last_message()).text
    async with stand.sessions() as session:
        assert await session.scalar(select(Poll).where(Poll.title == "Двор")) is None


async def test_an_auditor_sees_the_dashboard_and_a_forged_open_button_does_nothing(staff_stand):
    stand, _summary = staff_stand
    auditor_id = 722001
    async with stand.sessions() as session:
        await stand.app.dispatcher["staff"].grant(session, auditor_id, Role.AUDITOR, by=None)
    now = datetime.now(timezone.utc)
    async with stand.sessions.begin() as session:
        draft = Poll(title="Черновик", question="Вопрос?", opens_at=now, closes_at=now + timedelta(days=3))
        session.add(draft)
    auditor = stand.client.user(auditor_id, "Аудитор")
    listing = await polls_section(stand, auditor)
    assert "➕ Новое голосование" not in str(listing.buttons)
    card = await auditor.press(next(b for row in listing.buttons for b in row if "Черновик" in b))
    assert "Голосов: 0" in card.text
    labels = str(card.buttons)
    assert "🔄 Обновить цифры" in labels and "▶ Открыть" not in labels and "Как видят жители" not in labels

    await press_data(stand, auditor, DeskCb(action=Desk.OPEN_SURE, poll_id=draft.id).pack())
    notices = [n["text"] for n in (await auditor.chat())["notices"]]
    assert notices and OUT_OF_DATE in notices[-1], notices
    await press_data(stand, auditor, DeskCb(action=Desk.NEW).pack())
    await asyncio.sleep(0.2)
    async with stand.sessions() as session:
        assert (await session.get(Poll, draft.id)).state == "draft"
    assert await audit(stand, "poll.open") == []
