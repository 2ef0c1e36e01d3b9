"""The limits' words as the resident reads them, and the moves the limits' tests make in the chat."""
from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select

from sandbox.client import SandboxUser, SeenMessage
from storage.models import Ballot, BallotEvent, EventKind
from tests.dialogue.steps import (
    WORDS,
    cast,
    choose_house,
    enter,
    has_button,
    press_when_shown,
)
from tests.plugins.dialogue import Person, VotingStand, voting_stand

TOO_FAST = "Слишком быстро — подождите несколько секунд"
TOO_MANY_SEARCHES = "Слишком много поисков адреса подряд"
COOLING_DOWN = "Реестры не подтвердили данные нескольких попыток"
HELD = "вы уже проголосовали в этом голосовании за несколько квартир"
LIMIT_WORDS = (TOO_FAST, TOO_MANY_SEARCHES, COOLING_DOWN, HELD)
ANOTHER_FLAT = "Проголосовать за другую квартиру"
TYPE_AGAIN = "Ввести заново"  # declines the offer to reuse the last ballot's answers, where it is made


@asynccontextmanager
async def limited_stand(tmp_path, houses_template, pii_keys, **settings) -> AsyncIterator[VotingStand]:
    """The real bot on a copy of the houses, with the limits `settings` name."""
    database_file = tmp_path / "vote.sqlite3"
    shutil.copy(houses_template, database_file)
    async with voting_stand(database_file, pii_keys=pii_keys, settings=settings) as stand:
        yield stand


def limit_answers(messages: list[SeenMessage]) -> list[str]:
    return [m.text for m in messages if m.from_bot and any(words in m.text for words in LIMIT_WORDS)]


async def up_to_the_last_press(user: SandboxUser, person: Person) -> None:
    """/start, «another flat», the house and every answer: the review of another flat's ballot."""
    await user.send("/start")
    answer = await press_when_shown(user, ANOTHER_FLAT)
    if has_button(TYPE_AGAIN)(answer):
        await user.press(TYPE_AGAIN)
    await choose_house(user)
    await enter(user, person)


async def vote_for_another_flat(user: SandboxUser, person: Person) -> str:
    await up_to_the_last_press(user, person)
    return await cast(user)


async def confirm_without_receipt(user: SandboxUser) -> SeenMessage:
    """«All correct», YES, «sure»: the bot's answer when no receipt is to come."""
    words = WORDS["ru"]
    await press_when_shown(user, words["all_correct"])
    await press_when_shown(user, words["yes"])
    return await press_when_shown(user, words["sure_yes"])


async def rejected_verdicts(stand: VotingStand, count: int, *, timeout: float = 20.0) -> list[BallotEvent]:
    """The poll's verdict events rejecting a ballot, once there are `count` of them."""
    deadline = time.monotonic() + timeout
    while True:
        async with stand.sessions() as session:
            events = list(await session.scalars(
                select(BallotEvent).join(Ballot, Ballot.id == BallotEvent.ballot_id)
                .where(Ballot.poll_id == stand.poll_id, BallotEvent.kind == EventKind.VERDICT.value)
                .order_by(BallotEvent.id)))
        rejected = [e for e in events if e.detail.get("outcome") == "rejected"]
        if len(rejected) >= count:
            return rejected
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(rejected)} rejected verdicts after {timeout} s, not {count}")
        await asyncio.sleep(0.1)
