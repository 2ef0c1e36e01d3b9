"""Entering a vote, the resident first reads its card: what is asked, who may vote, until when, and
which data will be asked for and checked; once per entry, before the address is asked."""
from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers.views import when
from storage.database import create_engine, create_session_factory
from storage.models import House, Poll
from storage.repositories import PollRepository
from tests.dialogue.steps import KUBINKA_HOUSE, choose_house, consent
from tests.plugins.dialogue import voting_stand
from verification.levels import Levels

ALL_CHECKS_RU = ["• ФИО", "• Дата рождения", "• Паспорт", "• СНИЛС", "• ФЛС (номер плательщика)",
                 "• Документ о праве собственности"]


def cards(messages, title: str) -> list:
    # the address prompt starts with the title too; only the card lists the checks
    return [m for m in messages if m.from_bot and m.text.startswith(title + "\n") and "\n• " in m.text]


async def closing_of(stand) -> datetime:
    async with stand.sessions() as session:
        return (await session.get(Poll, stand.poll_id)).closes_at


async def test_the_card_comes_once_before_the_address_in_russian(stand):
    user = stand.client.user(1701, "Анна")
    await consent(user)
    messages = await user.messages()
    (card,) = cards(messages, "Реновация")
    address_prompt = next(m for m in messages if m.from_bot and "адрес своего дома" in m.text)
    assert messages.index(card) < messages.index(address_prompt)
    assert card.buttons == []
    assert "Включить дом в программу реновации?" in card.text
    assert "собственники и социальные наниматели квартир в любом доме из адресного реестра" in card.text
    assert f"Голосование закрывается: {when(await closing_of(stand))} (МСК)." in card.text
    for check in ALL_CHECKS_RU:
        assert check in card.text.splitlines(), card.text
    assert "• Квартира" not in card.text

    # not on every step: the questions that follow come without it
    await choose_house(user)
    await user.send("12")
    await user.send("Петрова Анна Сергеевна")
    assert len(cards(await user.messages(), "Реновация")) == 1
    # a new entry into the vote shows it again, once
    await user.send("/start")
    assert len(cards(await user.messages(), "Реновация")) == 2


async def test_a_poll_without_english_texts_shows_its_russian_ones_in_english(stand):
    user = stand.client.user(1702, "John", language_code="en")
    await consent(user, "en")
    (card,) = cards(await user.messages(), "Реновация")
    assert "Включить дом в программу реновации?" in card.text
    assert "Who may vote: the owners and social tenants of flats in any house" in card.text
    assert f"Voting closes: {when(await closing_of(stand))} (Moscow time)." in card.text


async def test_an_english_card_of_a_poll_for_listed_houses_names_only_its_checks(tmp_path, houses_template, pii_keys):
    database_file = tmp_path / "vote.sqlite3"
    shutil.copy(houses_template, database_file)
    engine = create_engine(f"sqlite+aiosqlite:///{database_file}")
    now = datetime.now(UTC)
    async with create_session_factory(engine).begin() as session:
        kubinka = await session.scalar(select(House.id).where(House.address == KUBINKA_HOUSE))
        polls = PollRepository(session)
        poll = await polls.create(
            title="Двор", question="Благоустроить двор?", description="Работы летом.",
            title_en="The yard", question_en="Landscape the yard?", description_en="The works are in summer.",
            opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(days=10), levels=Levels(2, 1),
            house_ids=[kubinka])
        await polls.open(poll.id, now=now)
        poll_id, closes_at = poll.id, poll.closes_at
    await engine.dispose()
    async with voting_stand(database_file, pii_keys=pii_keys, poll_id=poll_id) as stand:
        user = stand.client.user(1703, "John", language_code="en")
        await consent(user, "en")
        (card,) = cards(await user.messages(), "The yard")
        lines = card.text.splitlines()
        assert lines[:4] == ["The yard", "Landscape the yard?", "", "The works are in summer."]
        assert "in the houses listed for this vote" in card.text
        assert f"Voting closes: {when(closes_at)} (Moscow time)." in card.text
        assert [line for line in lines if line.startswith("• ")] == [
            "• Full name", "• Date of birth", "• Passport", "• FLS (payer number)"]
        assert "Двор" not in card.text
