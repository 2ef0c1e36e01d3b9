"""Back, edit from the review, cancel, stale buttons and hints: the resident never gets stuck."""
from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Ballot, Resident, ReviewFlag
from tests.dialogue.steps import KUBINKA_HOUSE, cast, choose_house, consent, enter, has_button, press_when_shown, vote
from tests.plugins.dialogue import Person, open_poll


async def test_decline_ends_politely_and_stores_nothing(stand):
    user = stand.client.user(700, "Анна")
    await user.send("/start")
    answer = await user.press("Отказаться")
    assert "ничего о вас не сохранил" in answer.text
    async with stand.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Resident)) == 0


async def test_back_returns_to_the_previous_question_keeping_answers(stand):
    user = stand.client.user(701, "Анна")
    await consent(user)
    await choose_house(user)
    await user.send("12")
    await user.send("Петрова Анна Сергеевна")
    asked = await user.press("◀ Назад")
    assert "ФИО" in asked.text
    asked = await user.press("◀ Назад")
    assert "номер квартиры" in asked.text
    asked = await user.press("◀ Назад")
    assert "адрес своего дома" in asked.text
    # choosing the same house again skips what is already answered
    await choose_house(user)
    review = await user.send("14.03.1975")  # the name is kept, the birth date was never given
    assert "паспорт" in review.text


async def test_edit_from_the_review_returns_to_the_review(stand):
    user = stand.client.user(702, "Анна")
    await consent(user)
    await choose_house(user)
    review = await enter(user, Person())
    assert "Квартира: 12" in review.text
    asked = await user.press("✏ Квартира")
    assert "номер квартиры" in asked.text
    review = await user.send("15Б")
    assert "Проверьте данные" in review.text and "Квартира: 15Б" in review.text
    code = await cast(user)
    async with stand.sessions() as session:
        ballot = await session.scalar(select(Ballot).where(Ballot.receipt_code == code))
        assert ballot is not None


async def test_cancel_keeps_the_answers_for_later(stand):
    user = stand.client.user(703, "Анна")
    await consent(user)
    await choose_house(user)
    await user.send("12")
    await user.send("Петрова Анна Сергеевна")
    stopped = await user.send("/cancel")
    assert "Остановлено" in stopped.text
    await user.send("/start")
    await choose_house(user)
    asked = await user.last_message()
    assert "дату рождения" in asked.text


async def test_text_where_a_button_is_expected_gets_a_hint(stand):
    user = stand.client.user(704, "Анна")
    await consent(user)
    await choose_house(user)
    await enter(user, Person())
    hint = await user.send("да")
    assert "воспользуйтесь кнопками" in hint.text


async def test_a_stale_button_says_the_menu_is_out_of_date(stand):
    user = stand.client.user(705, "Анна")
    await consent(user)
    await choose_house(user)
    await enter(user, Person())
    # the vote's question, not the review: /cancel takes the review (personal data) out of the chat
    await press_when_shown(user, "✅ Всё верно")
    await user.wait_for(has_button("👍 ЗА"))
    await user.send("/cancel")
    await user.press("👍 ЗА")
    notice = (await user.chat())["notices"][-1]
    assert "меню устарело" in notice["text"] and notice["alert"]


async def test_revote_changes_the_choice_and_keeps_the_receipt(stand):
    user = stand.client.user(706, "Анна")
    code = await vote(user, Person())
    await user.send("/start")  # a greeting, then the ballots: the second may come after a pause
    again = await user.wait_for("Вы уже проголосовали")
    assert code in again.text
    await user.press("Изменить выбор: кв. 12")
    await user.press("👎 ПРОТИВ")
    await user.press("Да, голосую ПРОТИВ")  # may return as soon as the prompt loses its buttons
    changed = await user.wait_for("Ваш выбор изменён")
    assert "Ваш выбор изменён" in changed.text and code in changed.text
    # no verifier runs here: the ballot is still pending, and the receipt says the check is to come
    assert "Изменён:" in changed.text and "Статус: ⏳" in changed.text and "проверяются" in changed.text
    async with stand.sessions() as session:
        ballots = list(await session.scalars(select(Ballot)))
        assert [(b.receipt_code, b.choice) for b in ballots] == [(code, "no")]


async def test_an_owner_of_two_flats_votes_once_per_flat(stand):
    user = stand.client.user(707, "Анна")
    first = await vote(user, Person(flat="12"))
    await user.send("/start")
    offer = await user.press("Проголосовать за другую квартиру")
    assert "Использовать те же" in offer.text  # reusing the first ballot's answers is offered, not done
    await user.press("Ввести заново")
    await choose_house(user)
    # nothing personal outlives a cast ballot in the dialogue's storage: declined, every field is asked again
    review = await enter(user, Person(flat="13"))
    assert "Квартира: 13" in review.text
    second = await cast(user)
    assert first != second
    async with stand.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 2


async def test_the_same_person_from_a_second_account_is_refused_and_flagged(stand):
    await vote(stand.client.user(708, "Анна"), Person())
    intruder = stand.client.user(709, "Анна")
    await consent(intruder)
    await choose_house(intruder)
    await enter(intruder, Person())
    await intruder.press("✅ Всё верно")
    await intruder.press("👍 ЗА")
    refused = await intruder.press("Да, голосую ЗА")
    assert "из другого аккаунта" in refused.text
    async with stand.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 1
        flag = (await session.scalars(select(ReviewFlag))).one()
        assert flag.kind == "duplicate_identity"


async def test_a_house_outside_the_poll_is_named(stand):
    async with stand.sessions() as session:
        from storage.models import House
        kubinka = await session.scalar(select(House).where(House.address == KUBINKA_HOUSE))
        other = await session.scalar(select(House).where(House.id != kubinka.id).limit(1))
    # a second, narrower poll: two polls are open, so the resident picks one
    await open_poll(stand.sessions, title="Двор", question="Благоустроить двор?", house_ids=[other.id])
    user = stand.client.user(710, "Анна")
    await user.send("/start")
    await user.press("✅ Даю согласие")
    await press_when_shown(user, "Двор")
    answer = await user.send("Кубинка 12 к3")
    assert "не участвует в этом голосовании" in answer.text and "Кубинка" in answer.text
