"""Polls move draft → open → closed and know their houses; residents are found or created."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.errors import PollNotFound, PollStateError
from storage.repositories import HouseRepository, HouseRow, PollRepository, ResidentRepository
from verification.levels import Levels

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def _houses(session, *unoms):
    await HouseRepository(session).upsert_many(HouseRow(unom=u, address=f"улица Тестовая, дом {u}") for u in unoms)
    return await HouseRepository(session).by_unoms(unoms)


async def test_a_poll_for_listed_houses_includes_only_them(sessions):
    async with sessions.begin() as session:
        houses = await _houses(session, 1, 2, 3)
        poll = await PollRepository(session).create(
            title="Двор", question="Ставим шлагбаум?", opens_at=NOW, closes_at=NOW + timedelta(days=7),
            levels=Levels.parse("2/1"), min_age=21, house_ids=[houses[1].id, houses[3].id],
        )
    async with sessions() as session:
        polls = PollRepository(session)
        stored = await polls.get(poll.id)
        assert stored.levels == Levels(2, 1)
        assert (stored.min_age, stored.verdict_days, stored.state, stored.all_houses) == (21, 4, "draft", False)
        assert await polls.includes_house(poll.id, houses[1].id)
        assert not await polls.includes_house(poll.id, houses[2].id)
        assert [h.unom for h in await HouseRepository(session).for_poll(poll.id)] == [1, 3]
        assert await polls.house_count(stored) == 2


async def test_an_all_houses_poll_includes_every_house(sessions):
    async with sessions.begin() as session:
        houses = await _houses(session, 1, 2)
        poll = await PollRepository(session).create(
            title="Город", question="?", opens_at=NOW, closes_at=NOW + timedelta(days=7)
        )
    async with sessions() as session:
        assert await PollRepository(session).includes_house(poll.id, houses[2].id)
        assert len(await HouseRepository(session).for_poll(poll.id)) == 2
        assert not await PollRepository(session).includes_house(poll.id, 999_999)


async def test_times_come_back_as_the_same_utc_moment(sessions):
    moscow = ZoneInfo("Europe/Moscow")
    opens = datetime(2026, 12, 1, 18, 0, tzinfo=moscow)
    async with sessions.begin() as session:
        poll = await PollRepository(session).create(
            title="T", question="Q", opens_at=opens, closes_at=opens + timedelta(days=1)
        )
    async with sessions() as session:
        stored = await PollRepository(session).get(poll.id)
    assert stored.opens_at == opens
    assert stored.opens_at.utcoffset() == timedelta(0)
    assert stored.opens_at.hour == 15


async def test_open_close_and_which_polls_take_ballots(sessions):
    async with sessions.begin() as session:
        polls = PollRepository(session)
        current = await polls.create(title="A", question="?", opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=1))
        later = await polls.create(title="B", question="?", opens_at=NOW + timedelta(days=2), closes_at=NOW + timedelta(days=9))
        draft = await polls.create(title="C", question="?", opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=1))
        await polls.open(current.id, now=NOW)
        await polls.open(later.id, now=NOW)
    async with sessions.begin() as session:
        polls = PollRepository(session)
        assert [p.title for p in await polls.open_polls(NOW)] == ["A"]
        assert [p.title for p in await polls.open_polls(NOW + timedelta(days=3))] == ["B"]
        assert [p.title for p in await polls.list()] == ["C", "B", "A"]
        closed = await polls.close(current.id)
        assert closed.state == "closed"
        with pytest.raises(PollStateError, match="closed"):
            await polls.open(current.id, now=NOW)
        with pytest.raises(PollNotFound):
            await polls.open(12345, now=NOW)
        with pytest.raises(PollStateError):
            await polls.open(draft.id, now=NOW + timedelta(days=5))  # its closing time has passed
        assert [p.title for p in await polls.open_polls(NOW)] == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "title"),
        ({"question": ""}, "question"),
        ({"closes_at": NOW}, "close after it opens"),
        ({"opens_at": datetime(2026, 12, 1)}, "time zone"),
        ({"min_age": 5}, "minimum age"),
        ({"house_ids": []}, "at least one house"),
    ],
)
async def test_create_names_what_is_wrong(sessions, changes, message):
    arguments = {"title": "T", "question": "Q", "opens_at": NOW, "closes_at": NOW + timedelta(days=1)}
    async with sessions() as session:
        with pytest.raises(ValueError, match=message):
            await PollRepository(session).create(**arguments | changes)


async def test_resident_is_created_once_and_remembers_language_and_consent(sessions):
    async with sessions.begin() as session:
        residents = ResidentRepository(session)
        first = await residents.get_or_create(2**40, "en")
        again = await residents.get_or_create(2**40, "ru")
        assert first.id == again.id
        await residents.set_language(first, "ru")
        await residents.record_consent(first, NOW)
        await residents.record_consent(first, NOW + timedelta(days=1))  # the first consent stays
        assert await residents.mark_unreachable(2**40, NOW)
        assert not await residents.mark_unreachable(42, NOW)
    async with sessions.begin() as session:
        stored = await ResidentRepository(session).by_telegram_id(2**40)
        assert (stored.language, stored.consent_at, stored.unreachable_at) == ("ru", NOW, NOW)
        back = await ResidentRepository(session).get_or_create(2**40)
        assert back.unreachable_at is None  # writing to the bot again makes the chat reachable
