"""A new publication tells each voter, once per house they voted in, through the outbox; on SQLite
and PostgreSQL. Residents the bot cannot reach and the replay's made-up accounts are left out,
and verdict notices still go first."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.demo.replay_database import TELEGRAM_IDS
from bot.i18n import translator
from bot.worker import render_notice
from services.results import MADE_UP_ACCOUNTS, ResultsDesk
from storage.models import Ballot, BallotStatus, House, OutboxMessage
from storage.repositories import BallotRepository, PollRepository, ResidentRepository
from storage.repositories.checks import VERDICT_NOTICE
from storage.repositories.outbox import RESULTS_NOTICE, OutboxRepository
from tests.plugins.database import Voter

ANNA, JOHN, BLOCKED, MADE_UP = 5550001, 5550002, 5550003, TELEGRAM_IDS + 1


@dataclass
class Voted:
    poll_id: int
    houses: list[int]
    addresses: dict[int, str]
    ballots: dict[tuple[int, str], int]  # (telegram id, flat) → ballot id
    now: datetime


@pytest.fixture
async def voted(sessions, scene, vault) -> Voted:
    """Anna voted for two flats of the first house and one of the second; John, a resident who
    blocked the bot and a replay account for the first house. The poll is closed."""
    first, second = scene.houses
    cast = [(ANNA, "ru", first, "12"), (ANNA, "ru", first, "14"), (ANNA, "ru", second, "3"),
            (JOHN, "en", first, "20"), (BLOCKED, "ru", first, "21"), (MADE_UP, "ru", first, "22")]
    ballots = {}
    async with sessions.begin() as session:
        await session.execute(update(House).where(House.id == first.id).values(flats_total=10))
        residents = ResidentRepository(session)
        for n, (telegram_id, language, house, flat) in enumerate(cast):
            resident = await residents.get_or_create(telegram_id, language)
            voter = Voter(full_name=f"Иванова Мария {n}", passport=f"45101234{n:02d}", snils=f"1122334459{n}")
            ballot = await BallotRepository(session).cast(
                poll=scene.poll, house=house, flat_number=flat, resident=resident,
                choice="no" if telegram_id == JOHN else "yes", at=scene.now, **voter.cast_arguments(vault))
            ballots[(telegram_id, flat)] = ballot.id
        await residents.mark_unreachable(BLOCKED, scene.now)
        # Anna's two flats of the first house counted: it is decided by the formula
        await session.execute(update(Ballot).where(Ballot.id.in_([ballots[(ANNA, "12")], ballots[(ANNA, "14")]]))
                              .values(status=BallotStatus.COUNTED, updated_at=scene.now))
        await PollRepository(session).close(scene.poll.id)
    return Voted(scene.poll.id, [first.id, second.id], {first.id: first.address, second.id: second.address},
                 ballots, scene.now)


async def results_notices(sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == RESULTS_NOTICE)
                                          .order_by(OutboxMessage.chat_id, OutboxMessage.id)))


async def publish(sessions, voted: Voted, **options):
    async with sessions() as session:
        return await ResultsDesk(session).publish(voted.poll_id, **options)


async def test_each_voter_gets_one_notice_per_house_they_voted_in(sessions, voted):
    publication, new = await publish(sessions, voted, now=voted.now)
    assert new
    notices = await results_notices(sessions)
    first, second = voted.houses
    assert [(n.chat_id, n.payload["house_id"]) for n in notices] == [(ANNA, first), (ANNA, second), (JOHN, first)]
    anna_first = notices[0].payload
    assert anna_first["house"] == voted.addresses[first] and anna_first["publication"] == publication.number
    assert anna_first["decision"] == "included" and anna_first["why"] == "over_threshold"
    assert anna_first["threshold"] == "2/3" and anna_first["for_pct"] == 100.0
    assert notices[1].payload["why"] == "flats_unknown"  # the second house's flats are not known
    assert all(n.sent_at is None and n.next_attempt_at == voted.now for n in notices)
    async with sessions() as session:
        assert await ResultsDesk(session).results_notices(publication.id) == 3


async def test_publishing_again_with_nothing_new_tells_nobody_again(sessions, voted):
    first, _ = await publish(sessions, voted, now=voted.now)
    again, new = await publish(sessions, voted, now=voted.now + timedelta(hours=1))
    assert not new and again.id == first.id
    assert len(await results_notices(sessions)) == 3


async def test_the_replay_publishes_without_telling_anyone(sessions, voted):
    publication, new = await publish(sessions, voted, now=voted.now, notify=False)
    assert new and await results_notices(sessions) == []
    async with sessions() as session:
        assert await ResultsDesk(session).results_notices(publication.id) == 0


async def test_a_later_publication_replaces_the_notices_not_sent_yet(sessions, voted):
    await publish(sessions, voted, now=voted.now)
    sent = (await results_notices(sessions))[0]
    async with sessions.begin() as session:
        await OutboxRepository(session).mark_sent(sent.id, at=voted.now)
        later = voted.now + timedelta(days=1)  # John's ballot verified after the first publication
        await session.execute(update(Ballot).where(Ballot.id == voted.ballots[(JOHN, "20")])
                              .values(status=BallotStatus.COUNTED, updated_at=later))
    second, new = await publish(sessions, voted, now=later)
    assert new and second.number == 2
    notices = await results_notices(sessions)
    assert [(n.chat_id, n.payload["publication"]) for n in notices] == [(ANNA, 1), (ANNA, 2), (ANNA, 2), (JOHN, 2)]
    assert notices[0].id == sent.id
    john = notices[-1].payload
    # for 2, against 1, 7 silent shared out: 2 + 14/3 = 20/3, exactly 2/3 of 10 — not more
    assert john["decision"] == "excluded" and john["why"] == "not_over_threshold"


async def test_verdict_notices_are_sent_before_waiting_results_notices(sessions, voted):
    await publish(sessions, voted, now=voted.now)
    later = voted.now + timedelta(minutes=5)
    async with sessions.begin() as session:
        await OutboxRepository(session).queue(JOHN, VERDICT_NOTICE, {"house": "x", "receipt": "R"}, at=later)
    async with sessions.begin() as session:
        claimed = await OutboxRepository(session).claim(now=later, lease_until=later + timedelta(minutes=1), limit=2)
    assert [n.kind for n in claimed] == [VERDICT_NOTICE, RESULTS_NOTICE]
    assert claimed[1].chat_id == ANNA  # the results notices themselves oldest first


def test_the_made_up_accounts_are_the_replays():
    assert MADE_UP_ACCOUNTS == TELEGRAM_IDS


PAYLOAD = {"poll_id": 1, "poll": "Реновация <2017>", "publication": 1, "house_id": 7,
           "house": "улица Кубинка, дом 12, корпус 3", "decision": "included", "why": "over_threshold",
           "for_pct": 74.0740740, "threshold": "2/3"}


def test_the_notice_says_the_houses_result_in_the_residents_language():
    russian = render_notice(RESULTS_NOTICE, PAYLOAD, translator("ru"), "ru")
    assert russian.splitlines() == [
        "📊 Опубликованы итоги голосования «Реновация &lt;2017&gt;».",
        "Ваш дом <b>улица Кубинка, дом 12, корпус 3</b>: ✅ включён в программу.",
        "«За» с учётом доли не голосовавших: 74,07 % — нужно было больше 2/3 всех квартир.",
        "Цифры, формула и диаграмма: /results",
    ]
    english = render_notice(RESULTS_NOTICE, {**PAYLOAD, "decision": "no_decision", "why": "flats_unknown"},
                            translator("en"), "en")
    assert "Your house <b>улица Кубинка, дом 12, корпус 3</b>: ➖ no decision." in english
    assert "The number of flats in the house is not known" in english and "/results" in english
    by_meeting = render_notice(RESULTS_NOTICE, {**PAYLOAD, "decision": "excluded", "why": "protocol"},
                               translator("ru"), "ru")
    assert "❌ не включён в программу" in by_meeting and "общим собранием собственников" in by_meeting
