"""/results and the results notice, as residents see them in the chat: turnout before the results,
then once the closed poll is published one notice per house, and the decision with its formula and
chart; in Russian and in English."""
from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from fractions import Fraction

from sqlalchemy import func, select, update

from bot.i18n import catalogues
from counting.houses import Protocol
from handlers import results_views
from sandbox.formatting import parse_html
from services.ballots import Receipt
from services.results import ResultsDesk
from services.standing import HouseStanding, Published
from storage.models import House, OutboxMessage, Poll
from storage.publications import HouseResultRow
from storage.repositories import PollRepository
from storage.repositories.outbox import RESULTS_NOTICE
from tests.dialogue.steps import vote
from tests.plugins.verifying import vote_as
from tests.plugins.dialogue import Person

FLATS = 4  # the made-up registries have 4 flats a house
NOTICE_RU, NOTICE_EN = "📊 Опубликованы итоги голосования", "📊 The results of the vote"


def owners(summary) -> list[dict[str, str]]:
    """Two owners the registries confirm, of flats in two houses."""
    counted = [r for r in summary.residents if r["levels"] == "identity=3,apartment=2" and r["outcome"] == "counted"]
    assert len({r["unom"] for r in counted[:2]}) == 2, counted
    return counted[:2]


async def close_and_publish(stand, unoms: set[str]):
    async with stand.sessions.begin() as session:
        await session.execute(update(House).where(House.unom.in_([int(u) for u in unoms]))
                              .values(flats_total=FLATS))
        await PollRepository(session).close(stand.poll_id)
    async with stand.sessions() as session:
        return await ResultsDesk(session).publish(stand.poll_id)


async def notices_in(user, start: str) -> list[str]:
    return [m.text for m in await user.messages() if m.from_bot and m.text.startswith(start)]


async def test_published_results_reach_each_voter_once_and_show_the_formula_and_chart(verifying):
    stand, summary = verifying
    anna_data, john_data = owners(summary)
    anna, john = stand.client.user(1601, "Анна"), stand.client.user(1602, "John", language_code="en")
    anna_code = await vote_as(anna, anna_data)
    await vote_as(john, john_data, "en")
    await anna.wait_for("✅ Ваш голос по дому", timeout=20)
    await john.wait_for("✅ Your vote for", timeout=20)

    publication, new = await close_and_publish(stand, {anna_data["unom"], john_data["unom"]})
    assert new and publication.number == 1
    notice = await anna.wait_for(NOTICE_RU, timeout=20)
    assert notice.text.splitlines() == [
        "📊 Опубликованы итоги голосования «Реновация».",
        f"Ваш дом {anna_data['address']}: ✅ включён в программу.",
        "«За» с учётом доли не голосовавших: 100 % — нужно было больше 2/3 всех квартир.",
        "Цифры, формула и диаграмма: /results",
    ]
    assert [e["type"] for e in notice.entities] == ["bold"]  # the address
    english = await john.wait_for(NOTICE_EN, timeout=20)
    assert f"Your house {john_data['address']}: ✅ included in the programme." in english.text
    assert english.text.endswith("The numbers, the formula and the chart: /results")

    answer = await anna.send("/results")
    assert answer.photo_url is not None, answer.text
    shown = answer.text
    assert f"🏠 {anna_data['address']}" in shown and anna_code in shown
    assert "Итоги: публикация № 1 от" in shown and "Решение: ✅ включён в программу" in shown
    assert f"Квартир в доме: {FLATS}" in shown
    assert "За: 1 · против: 0 · голоса разделились поровну: 0" in shown
    assert f"Не голосовали: {FLATS - 1}; их доля добавлена к «за»: {FLATS - 1}, к «против»: 0" in shown
    # every silent flat goes with the flats for (none against): 4 > 2/3 × 4
    assert f"{FLATS} > 2/3 × {FLATS} = 2,67 — порог превышен" in shown
    photos = [m for m in await anna.messages() if m.photo_url]
    assert len(photos) == 1

    again, new = await close_and_publish(stand, set())
    assert not new and again.id == publication.id
    await asyncio.sleep(1)  # the sender looks every 0.1 s: a second notice would be there by now
    assert len(await notices_in(anna, NOTICE_RU)) == 1 and len(await notices_in(john, NOTICE_EN)) == 1
    async with stand.sessions() as session:
        unsent = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.kind == RESULTS_NOTICE, OutboxMessage.sent_at.is_(None)))
    assert unsent == 0

    english = await john.send("/results")
    assert english.photo_url is not None
    assert "Decision: ✅ included in the programme" in english.text
    assert f"Flats in the house: {FLATS}" in english.text and "2.67 — over the threshold" in english.text


async def test_before_publication_a_resident_sees_when_results_come_or_the_turnout(stand):
    stranger = stand.client.user(1701, "Борис")
    answer = await stranger.send("/results")
    assert answer.text.startswith("Вы ещё не голосовали") and "/start" in answer.text

    anna = stand.client.user(1702, "Анна")
    code = await vote(anna, Person())
    commands = {c["command"]: c["description"] for c in (await anna.chat())["commands"]}
    assert commands["results"] == "Итоги по моему дому"
    async with stand.sessions.begin() as session:
        await session.execute(update(Poll).where(Poll.id == stand.poll_id).values(title="Двор <А & Б>"))
    answer = await anna.send("/results")
    assert answer.text.startswith("Двор <А & Б>\n🏠 улица Кубинка, дом 12, корпус 3")
    assert f"Ваш бюллетень: {code}, кв. 12 — ⏳ ожидает проверки" in answer.text
    assert "Итоги будут опубликованы после окончания голосования" in answer.text
    assert "Явка" not in answer.text and answer.photo_url is None

    async with stand.sessions.begin() as session:
        await session.execute(update(Poll).where(Poll.id == stand.poll_id).values(live_turnout=True))
    answer = await anna.send("/results")
    assert "Явка на сейчас: учтено бюллетеней — 0, на проверке — 1." in answer.text

    english = stand.client.user(1703, "John", language_code="en")
    answer = await english.send("/results")
    assert answer.text.startswith("You have not voted yet") and "/start" in answer.text


def meeting_decided(address: str) -> HouseStanding:
    """30 flats for, 70 against, 2 split, 18 silent of 120 — but the owners' meeting included it."""
    row = HouseResultRow(publication_id=1, house_id=7, flats_total=120, for_flats=30, against_flats=70,
                         undecided_flats=2, silent_flats=18, effective_for="177/5", effective_against="413/5",
                         base="120/1", for_pct=29.5, against_pct=68.83, decision="included", why="protocol",
                         count_decision="excluded")
    at = datetime(2027, 2, 3, 9, 0, tzinfo=UTC)
    receipt = Receipt(1, 1, 7, "AB12CD34EF", address, "5 <A>", "no", "counted", (), at, at)
    return HouseStanding(1, "Реновация", 7, address, at, True, (receipt,),
                         Published(2, at, row, Fraction(2, 3), Protocol(True, date(2017, 5, 20), "№ 3 & 4")))


def test_a_meeting_decision_is_noted_and_a_text_too_long_for_a_caption_follows_the_chart():
    i18n = catalogues()
    with i18n.context(), i18n.use_locale("ru"):
        caption, text = results_views.published(meeting_decided("улица Кубинка, дом 12"))
        long_caption, long_text = results_views.published(meeting_decided("улица Кубинка, дом 12 " * 40))
    shown, _ = parse_html(caption)  # raises where Telegram would refuse the HTML
    assert text is None
    assert "Ваш бюллетень: AB12CD34EF, кв. 5 <A> — ✅ учтён" in shown
    assert "Итоги: публикация № 2 от 03.02.2027 12:00." in shown and "Решение: ✅ включён в программу" in shown
    assert ("Решение принято общим собранием собственников (протокол № № 3 & 4 от 20.05.2017): "
            "оно имеет приоритет над онлайн-голосованием.") in shown
    assert "Онлайн-голосование без учёта собрания: ❌ не включён в программу" in shown
    assert "За: 30 · против: 70 · голоса разделились поровну: 2" in shown
    assert "Не голосовали: 18; их доля добавлена к «за»: 5,4, к «против»: 12,6" in shown
    assert "35,4 > 2/3 × 120 = 80 — порог не превышен" in shown
    assert long_text is not None and len(parse_html(long_caption)[0]) <= results_views.CAPTION_LIMIT
    assert "Решение: ✅ включён в программу" in parse_html(long_caption)[0]
    assert "35,4 > 2/3 × 120 = 80" in parse_html(long_text)[0]
