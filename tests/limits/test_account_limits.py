"""Updates a second and address searches a minute, through the sandbox: an honest resident never
meets them, a flood is answered once and then not at all, and with Redis every process shares one count."""
from __future__ import annotations

import asyncio
import logging
import shutil

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from sandbox.runner import SandboxServer
from storage.models import Ballot, ReviewFlag
from tests.dialogue.steps import (
    KUBINKA,
    KUBINKA_HOUSE,
    WORDS,
    button_with,
    consent,
    has_button,
    vote,
)
from tests.limits.steps import (
    TOO_FAST,
    TOO_MANY_SEARCHES,
    limit_answers,
    limited_stand,
    vote_for_another_flat,
)
from tests.plugins.dialogue import Person, voting_stand

#: a burst of three and nothing earned back within a test
THREE_A_MINUTE = {"limit_updates_burst": 3, "limit_updates_window": 60.0, "limit_updates_cooldown": 60.0}


def limit_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.limits"]


async def test_an_honest_owner_of_three_flats_voting_at_full_speed_meets_no_limit(stand, caplog):
    caplog.set_level(logging.INFO, logger="bot.limits")
    user = stand.client.user(3101, "Анна")
    # each step as soon as the bot has answered: far quicker than anyone taps
    codes = [await vote(user, Person(flat="12"))]
    for flat in ("13", "14"):
        codes.append(await vote_for_another_flat(user, Person(flat=flat)))
    status = await user.send("/status")
    assert all(code in status.text for code in codes)
    assert limit_answers(await user.messages()) == []
    assert not [n for n in (await user.chat())["notices"] if TOO_FAST in n["text"]]
    assert limit_lines(caplog) == []
    async with stand.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 3
        assert await session.scalar(select(func.count()).select_from(ReviewFlag)) == 0


async def test_a_burst_of_messages_is_answered_politely_once_and_then_not_at_all(tmp_path, houses_template,
                                                                                 pii_keys, caplog):
    caplog.set_level(logging.INFO, logger="bot.limits")
    # three at once, one earned back every two seconds; quiet for 2.5 s after the polite answer
    async with limited_stand(tmp_path, houses_template, pii_keys, limit_updates_burst=3,
                             limit_updates_window=6.0, limit_updates_cooldown=2.5) as stand:
        user = stand.client.user(3102, "Пётр")
        for number in range(10):
            await user.send(f"привет {number}", wait=False)
        polite = await user.wait_for(TOO_FAST)
        await asyncio.sleep(1.0)  # the six after it are dropped: nothing more comes
        answers = [m for m in await user.messages() if m.from_bot]
        assert [m.text for m in answers].count(TOO_FAST) == 1
        assert len(answers) == 4 and answers[-1].id == polite.id  # three answers, then the polite one
        assert limit_lines(caplog) == ["limit hit: updates per second"]

        await asyncio.sleep(2.0)  # the cool-down is over and an update earned back
        greeting = await user.send("/start")
        assert "Согласие на обработку персональных данных" in greeting.text

        john = stand.client.user(3107, "John", language_code="en")  # a count of his own, in his language
        for number in range(4):
            await john.send(f"hello {number}", wait=False)
        assert await john.wait_for("Too fast — please wait a few seconds")


async def test_presses_over_the_limit_get_the_polite_answer_to_the_press_not_a_message(tmp_path, houses_template,
                                                                                      pii_keys):
    async with limited_stand(tmp_path, houses_template, pii_keys, **{**THREE_A_MINUTE, "limit_updates_burst": 1}) as stand:
        user = stand.client.user(3103, "Анна")
        await user.send("/start")  # the one update of the burst
        for _ in range(5):
            await user.press(WORDS["ru"]["agree"], wait=False)
        for _ in range(50):
            if (await user.chat())["notices"]:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        assert [n["text"] for n in (await user.chat())["notices"]] == [TOO_FAST]
        assert limit_answers(await user.messages()) == []
        last = await user.last_message()
        assert "Согласие на обработку" in last.text  # the consent was never taken


async def test_address_searches_over_the_limit_are_refused_politely_and_the_dialogue_goes_on(
        tmp_path, houses_template, pii_keys, caplog):
    caplog.set_level(logging.INFO, logger="bot.limits")
    async with limited_stand(tmp_path, houses_template, pii_keys, limit_searches_burst=2,
                             limit_searches_window=60.0, limit_searches_cooldown=60.0) as stand:
        user = stand.client.user(3104, "Анна")
        await consent(user)
        await user.wait_for(has_button("✖"))
        assert has_button(KUBINKA_HOUSE)(await user.send("кубинка 12"))
        found = await user.send(KUBINKA)
        assert has_button(KUBINKA_HOUSE)(found)
        refused = await user.send("кубинка 12 корпус 3")
        assert refused.text == f"{TOO_MANY_SEARCHES} — подождите 60 с и напишите адрес ещё раз."
        await user.send("кубинка 12к3", wait=False)
        await asyncio.sleep(1.0)
        assert (await user.last_message()).id == refused.id  # within the cool-down: not a word
        assert limit_lines(caplog) == ["limit hit: address searches per minute"]

        question = await user.press(button_with(found, KUBINKA_HOUSE))  # buttons are no searches
        assert "номер квартиры" in question.text
        assert TOO_MANY_SEARCHES not in (await user.send("/status")).text


@pytest.mark.redis
async def test_with_redis_a_second_process_goes_on_with_the_first_ones_count(tmp_path, houses_template, pii_keys,
                                                                              redis_url, key_prefix):
    database_file = tmp_path / "vote.sqlite3"
    shutil.copy(houses_template, database_file)
    shared = {"pii_keys": pii_keys, "redis_url": redis_url, "fsm_prefix": key_prefix, "settings": THREE_A_MINUTE}
    redis = Redis.from_url(redis_url)
    try:
        async with SandboxServer(host="127.0.0.1", port=0) as server:
            async with voting_stand(database_file, server=server, **shared) as first:
                poll_id = first.poll_id
                user = first.client.user(3105, "Анна")
                for number in range(3):
                    assert TOO_FAST not in (await user.send(f"привет {number}")).text
            # another process: a dispatcher of its own, nothing in memory, the same Redis
            async with voting_stand(database_file, server=server, poll_id=poll_id, **shared) as second:
                user = second.client.user(3105, "Анна")
                assert (await user.send("привет 3")).text == TOO_FAST
                assert TOO_FAST not in (await second.client.user(3106, "Олег").send("привет")).text
        keys = [key.decode() async for key in redis.scan_iter(f"{key_prefix}:limits:*")]
        assert f"{key_prefix}:limits:{{3105}}:updates:quiet" in keys
        assert all([await redis.pttl(key) > 0 for key in keys])
    finally:
        async for key in redis.scan_iter(f"{key_prefix}:*"):
            await redis.delete(key)
        await redis.aclose()
