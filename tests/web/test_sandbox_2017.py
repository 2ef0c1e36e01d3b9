"""The sandbox's second poll: the replayed 2017 vote written beside a demo vote already under way,
once per database, without touching the demo's rows; a load cut short is redone."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.demo.replay2017 import OFFICIAL, OPENED, official_houses
from bot.demo.replay_database import QUESTION, TITLE, ensure_replay, published_replay
from services.exports import PublicResults
from storage.house_import import import_houses
from storage.models import Ballot
from storage.repositories import BallotRepository, HouseRepository, PollRepository
from tests.plugins.database import Voter


async def test_the_2017_vote_goes_in_beside_a_demo_vote_once(sessions, scene, vault, sample_csv):
    async with sessions.begin() as session:
        await import_houses(session, sample_csv)  # the sandbox has the houses before the replay comes
        house = await HouseRepository(session).by_unom(12107)
        demo = await BallotRepository(session).cast(poll=scene.poll, house=house, flat_number="12",
                                                    resident=scene.resident, choice="yes", at=scene.now,
                                                    **Voter().cast_arguments(vault))
        demo_id = demo.id
        # a load cut short: its poll was left a draft
        await PollRepository(session).create(title=TITLE, question=QUESTION, opens_at=OPENED,
                                                         closes_at=OPENED + timedelta(days=31))
    assert await published_replay(sessions) is None

    poll_id, wrote = await ensure_replay(sessions, sample_csv)
    assert wrote and await published_replay(sessions) == poll_id
    async with sessions() as session:
        replays = [p for p in await PollRepository(session).list() if p.title == TITLE]
        assert [(p.id, p.state) for p in replays] == [(poll_id, "closed")]  # the draft is gone (its id may return)
        kept = await session.get(Ballot, demo_id)
        assert kept.poll_id == scene.poll.id and kept.house_id == house.id
        replayed = await session.scalar(select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll_id))
        reads = PublicResults(session)
        results = await reads.published(await reads.publication(poll_id))
    official = {h.unom: h for h in official_houses(sample_csv)}
    assert {h.unom for h in results.houses} == official.keys()  # the scene's own houses are not the replay's
    assert all(h.decision == OFFICIAL[official[h.unom].status] for h in results.houses)

    again, wrote = await ensure_replay(sessions, sample_csv)
    assert (again, wrote) == (poll_id, False)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll_id)) \
            == replayed > 20_000
        assert len(await PublicResults(session).publications(poll_id)) == 1
