"""A resident voting for another flat in the same vote may reuse who they said they were on their
ballot (read back from its sealed data, checked again, of their own account only); the flat and its
documents are always asked again, and the review shows everything as usual, to be edited."""
from __future__ import annotations

import shutil
from datetime import date

from sqlalchemy import select

from storage.models import Ballot, BallotPersonalData
from tests.dialogue.steps import cast, choose_house, consent, has_button, press_when_shown, vote
from tests.dialogue.test_kept_answers import kept_notices
from tests.plugins.dialogue import Person, voting_stand
from verification.levels import Levels

ANOTHER = {"ru": "Проголосовать за другую квартиру", "en": "Vote for another flat"}
OFFER = {"ru": "Использовать те же ФИО, дату рождения, паспорт и СНИЛС, что в прошлый раз?",
         "en": "Use the same full name, date of birth, passport and SNILS as last time?"}


async def offer_of_another_flat(user, language: str = "ru"):
    """/start after a ballot, then «Vote for another flat»: the bot's answer to that press."""
    await user.send("/start")
    return await press_when_shown(user, ANOTHER[language])


async def sealed_values(stand, ballot: Ballot) -> dict:
    async with stand.sessions() as session:
        data = await session.get(BallotPersonalData, ballot.id)
        return stand.app.vault.open(data.sealed)


async def ballots(stand) -> list[Ballot]:
    async with stand.sessions() as session:
        return list(await session.scalars(select(Ballot).order_by(Ballot.id)))


async def test_the_same_identity_is_reused_and_only_the_flat_and_its_documents_are_asked(stand):
    anna = stand.client.user(2201, "Анна")
    first = Person()
    await vote(anna, first)

    offer = await offer_of_another_flat(anna)
    assert offer.text.startswith(OFFER["ru"])
    assert "Заново спрошу: Квартира, ФЛС (номер плательщика), Документ о праве собственности." in offer.text
    assert offer.buttons == [["Да, те же", "Ввести заново"]]
    assert not any(value in offer.text for value in (first.full_name, "1975", "345678"))

    await anna.press("Да, те же")
    taken = await anna.wait_for("Беру эти ответы из вашего прошлого бюллетеня")
    assert taken.text.startswith("✅ Беру эти ответы из вашего прошлого бюллетеня: ФИО, Дата рождения, Паспорт, СНИЛС.")
    assert taken.id == offer.id and taken.buttons == []
    asked = await choose_house(anna)
    assert "номер квартиры" in asked.text
    assert kept_notices(await anna.messages()) == []  # what was reused is not announced twice
    assert "ФЛС" in (await anna.send("13")).text
    assert "документа о праве собственности" in (await anna.send("1234567891")).text
    review = await anna.send("77:01:0001013:4916")

    assert "Проверьте данные" in review.text
    assert first.full_name in review.text and "14.03.1975" in review.text and "** ** ***678" in review.text
    asked_since = [m.text for m in await anna.messages() if m.from_bot and m.id > offer.id]
    assert not any(q in text for text in asked_since for q in ("Введите ФИО", "Введите дату рождения",
                                                              "Введите серию и номер паспорта", "Введите СНИЛС"))
    await cast(anna)
    one, two = await ballots(stand)
    assert one.person_hmac == two.person_hmac
    first_values, second_values = await sealed_values(stand, one), await sealed_values(stand, two)
    identity = ("full_name", "birth_date", "passport", "snils")
    assert {k: second_values[k] for k in identity} == {k: first_values[k] for k in identity}
    assert (second_values["flat"], second_values["fls"]) == ("13", "1234567891")


async def test_a_reused_answer_can_be_edited_in_the_review_in_english(stand):
    john = stand.client.user(2202, "John", language_code="en")
    await vote(john, Person(), language="en")

    offer = await offer_of_another_flat(john, "en")
    assert offer.text.startswith(OFFER["en"])
    assert "I will ask again for: Flat, FLS (payer number), Property document." in offer.text
    await john.press("Yes, the same")
    await choose_house(john)
    for answer in ("13", "1234567891", "77:01:0001013:4916"):
        review = await john.send(answer)
    assert "Check your data" in review.text and "** ** ***678" in review.text

    await john.press("✏ Passport")
    review = await john.send("45 13 222333")
    assert "** ** ***333" in review.text and "***678" not in review.text
    await cast(john, language="en")
    _, second = await ballots(stand)
    assert (await sealed_values(stand, second))["passport"] == "4513222333"


async def test_typing_them_again_asks_every_question(stand):
    anna = stand.client.user(2203, "Анна")
    await vote(anna, Person())

    await offer_of_another_flat(anna)
    await anna.press("Ввести заново")
    assert await anna.wait_for("Хорошо: спрошу их заново.")
    await choose_house(anna)
    asked = await anna.send("13")
    assert "Введите ФИО" in asked.text


async def test_an_earlier_answer_that_would_now_be_refused_is_not_offered(stand):
    anna = stand.client.user(2204, "Анна")
    await vote(anna, Person())
    (ballot,) = await ballots(stand)
    # as if the birth date had been taken by a looser check: too young for this vote today
    async with stand.sessions.begin() as session:
        data = await session.get(BallotPersonalData, ballot.id)
        values = stand.app.vault.open(data.sealed)
        values["birth_date"] = date.today().replace(year=date.today().year - 10).isoformat()
        data.sealed = stand.app.vault.seal(values)

    prompt = await offer_of_another_flat(anna)
    assert "Напишите адрес своего дома" in prompt.text
    assert not any(OFFER["ru"] in m.text for m in await anna.messages())


async def test_each_account_reuses_only_its_own_answers(stand):
    anna = stand.client.user(2205, "Анна")
    oleg = stand.client.user(2206, "Олег")
    await vote(anna, Person())
    olegs = Person(flat="20", full_name="Смирнов Олег Петрович", birth_date="02.02.1980", passport="45 13 765432")
    await vote(oleg, olegs)

    await offer_of_another_flat(oleg)
    await oleg.press("Да, те же")
    await choose_house(oleg)
    for answer in ("21", "1234567892", "77:01:0001013:4917"):
        review = await oleg.send(answer)

    assert "Смирнов Олег Петрович" in review.text and "** ** ***432" in review.text
    assert "Петрова" not in review.text and "***678" not in review.text
    # the other account, which has no ballot of its own in another flat yet, gets its own
    await offer_of_another_flat(anna)
    await anna.press("Да, те же")
    await choose_house(anna)
    for answer in ("14", "1234567893", "77:01:0001013:4918"):
        review = await anna.send(answer)
    assert "Петрова Анна Сергеевна" in review.text and "Смирнов" not in review.text
    assert await anna.wait_for(has_button("✅ Всё верно"))


async def test_a_vote_asking_less_offers_to_reuse_only_what_it_asks(tmp_path, houses_template, pii_keys):
    database_file = tmp_path / "vote.sqlite3"
    shutil.copy(houses_template, database_file)
    async with voting_stand(database_file, pii_keys=pii_keys, levels=Levels(1, 0)) as stand:
        anna = stand.client.user(2207, "Анна")
        await consent(anna)
        await choose_house(anna)
        for answer in ("12", "Петрова Анна Сергеевна", "14.03.1975"):
            await anna.send(answer)
        await cast(anna)

        offer = await offer_of_another_flat(anna)
        assert offer.text.startswith("Использовать те же ФИО и дату рождения, что в прошлый раз?")
        assert offer.text.endswith("Заново спрошу: Квартира.")
        await anna.press("Да, те же")
        await choose_house(anna)
        review = await anna.send("13")  # the flat is all this vote asks besides who votes
        assert "Проверьте данные" in review.text and "Петрова Анна Сергеевна" in review.text
