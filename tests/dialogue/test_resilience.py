"""No single update, whatever it is and whoever sends it, delays other residents' answers.

Each trigger comes from a resident with no stored language (a newcomer), through the sandbox's
fault injection, on SQLite and on PostgreSQL; afterwards fifty other newcomers must all be
answered and no database connection may be left checked out or idle in a transaction.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.runners import Application, application
from sandbox.client import SandboxClient, SandboxError, SandboxUser, create_group
from sandbox.runner import SandboxServer
from bot.settings import load_settings
from handlers.chats import StrayPress
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from tests.dialogue.steps import WORDS, has_button
from tests.plugins.dialogue import open_poll
from tests.plugins.sandbox import SANDBOX_TOKEN, bot_polling

OTHERS = 50
# a liveness bound, not a speed target: a stuck bot answers nobody, however long one waits
LIVELY = 10.0
OUT_OF_DATE = "Это меню устарело. Отправьте /start, чтобы начать заново."
ADDRESS_PROMPT = "адрес своего дома"


@dataclass
class Stand:
    server: SandboxServer
    client: SandboxClient
    app: Application
    engine: AsyncEngine
    backend: str
    tag: str  # the PostgreSQL application_name of the bot's connections


@asynccontextmanager
async def bot_on(database, pii_keys: dict[str, str]) -> AsyncIterator[Stand]:
    tag = f"resilience_{secrets.token_hex(4)}"
    options = ({"connect_args": {"server_settings": {"application_name": tag}}}
               if database.backend == "postgresql" else {})
    engine = create_engine(database.url, schema=database.schema, **options)
    await upgrade(engine)
    await open_poll(create_session_factory(engine))
    settings = load_settings(database_url=database.url, **pii_keys)
    try:
        async with SandboxServer(host="127.0.0.1", port=0) as server, \
                SandboxClient(server.page_url, timeout=LIVELY) as client, \
                application(settings, token=SANDBOX_TOKEN, api_url=server.url, engine=engine) as app, \
                bot_polling(app.dispatcher, app.bot, server):
            yield Stand(server, client, app, engine, database.backend, tag)
    finally:
        await engine.dispose()


@pytest.fixture
async def stand(database, pii_keys) -> AsyncIterator[Stand]:
    async with bot_on(database, pii_keys) as voting:
        yield voting


async def asked_for_consent(user: SandboxUser) -> None:
    await user.send("/start", wait=False)
    await user.wait_for(has_button(WORDS["ru"]["agree"]), timeout=LIVELY)


async def assert_everyone_else_answered(stand: Stand, first_id: int) -> None:
    others = [stand.client.user(first_id + n, f"Житель {n}") for n in range(OTHERS)]
    await asyncio.gather(*(asked_for_consent(user) for user in others))
    await assert_no_connection_left(stand)


async def assert_no_connection_left(stand: Stand) -> None:
    # the last answers reach the chat just before their updates close their sessions
    for _ in range(int(LIVELY / 0.05)):
        if stand.engine.pool.checkedout() == 0:
            break
        await asyncio.sleep(0.05)
    assert stand.engine.pool.checkedout() == 0
    if stand.backend == "postgresql":
        async with stand.engine.connect() as connection:
            stuck = await connection.scalar(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = :tag AND state LIKE 'idle in transaction%'"), {"tag": stand.tag})
        assert stuck == 0


def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.errors"]


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info]


async def test_a_resident_who_blocked_the_bot_after_start_stops_nobody(stand, caplog):
    caplog.set_level(logging.INFO)
    victim = stand.client.user(9001, "Блокирующий")
    await stand.client.add_fault("403", chat_id=victim.id, method="sendMessage", times=1)
    await victim.send("/start", wait=False)
    await asyncio.sleep(0.5)  # the failure happens while the others write
    await assert_everyone_else_answered(stand, 9100)
    assert len(failures(caplog)) == 1 and "TelegramForbiddenError" in failures(caplog)[0].getMessage()
    assert tracebacks(caplog) == []
    # and the victim, unblocking, starts afresh
    await asked_for_consent(victim)


async def test_a_consent_press_answered_too_late_is_still_handled(stand, caplog):
    caplog.set_level(logging.INFO)
    victim = stand.client.user(9002, "Опоздавший")
    await asked_for_consent(victim)
    await stand.client.add_fault("400", method="answerCallbackQuery", times=1)
    await victim.press(WORDS["ru"]["agree"], wait=False)
    await victim.wait_for(lambda m: ADDRESS_PROMPT in m.text, timeout=LIVELY)
    await assert_everyone_else_answered(stand, 9200)
    assert [c["status"] for c in await stand.client.calls("answerCallbackQuery")][:1] == [400]
    assert failures(caplog) == [] and tracebacks(caplog) == []
    late = [r for r in caplog.records if r.name == "bot.telegram"]
    assert len(late) == 1 and "too old" in late[0].getMessage()


@pytest.mark.parametrize("shown_as", ["inline", "inaccessible"])
async def test_a_press_without_its_message_is_refused_with_an_alert(stand, caplog, shown_as):
    caplog.set_level(logging.INFO)
    victim = stand.client.user(9003, "Без сообщения")
    await asked_for_consent(victim)
    await victim.press(WORDS["ru"]["agree"], wait=False, shown_as=shown_as)
    await assert_everyone_else_answered(stand, 9300)
    notices = (await victim.chat())["notices"]
    assert notices and notices[-1]["text"] == OUT_OF_DATE and notices[-1]["alert"]
    assert failures(caplog) == [] and tracebacks(caplog) == []
    # nothing was decided by that press: the consent question still waits for an answer
    await victim.press(WORDS["ru"]["agree"], wait=False)
    await victim.wait_for(lambda m: ADDRESS_PROMPT in m.text, timeout=LIVELY)


async def test_an_unexpected_failure_is_one_record_and_the_resident_is_told(stand, caplog):
    """A handler that raises for any other reason: the resident hears it, the bot goes on."""
    caplog.set_level(logging.INFO)
    victim = stand.client.user(9004, "Невезучий")
    await asked_for_consent(victim)
    # a 400 that is not about a late answer: the handler fails on its first call
    await stand.client.add_fault("400", chat_id=victim.id, method="editMessageReplyMarkup", times=1,
                                 description="Bad Request: message can't be edited")
    await victim.press(WORDS["ru"]["agree"], wait=False)
    await asyncio.sleep(0.5)
    await assert_everyone_else_answered(stand, 9400)
    assert len(failures(caplog)) == 1 and tracebacks(caplog) == []
    await victim.wait_for(lambda m: "Что-то пошло не так" in m.text, timeout=LIVELY)


async def test_in_a_group_the_bot_says_once_to_write_privately_and_asks_nothing(stand):
    anna, boris = stand.client.user(9501, "Анна"), stand.client.user(9502, "Борис")
    anna_in_group, boris_in_group = await create_group(stand.client, -100501, "Дом 12", [anna, boris])
    said = await anna_in_group.send("/start")
    assert "в личном чате" in said.text
    group = await stand.client.request("GET", "/sandbox/api/groups/-100501/chat")
    (link,) = [button for row in group["messages"][-1]["buttons"] for button in row]
    assert link["url"] == f"https://t.me/{stand.server.sandbox.bot_username}?start=vote"
    for member, words in ((boris_in_group, "Иванов Иван Иванович"), (anna_in_group, "/start")):
        sent = await stand.client.request("POST", "/sandbox/api/groups/-100501/messages",
                                          json={"from": member.id, "text": words})
        with pytest.raises(SandboxError, match="did not answer"):
            await member.wait_answer(after=sent["version"], timeout=1.0)
    group = await stand.client.request("GET", "/sandbox/api/groups/-100501/chat")
    assert [m["from"] for m in group["messages"]].count("bot") == 1
    # nothing was asked of either member in private, and their own dialogue is untouched
    assert (await anna.messages()) == [] and (await boris.messages()) == []
    await asked_for_consent(anna)


async def test_a_press_in_another_residents_chat_or_a_group_is_refused():
    from aiogram.types import CallbackQuery, Chat, Message, User

    def press(chat: Chat, by: int) -> CallbackQuery:
        message = Message(message_id=1, date=0, chat=chat, text="?")
        return CallbackQuery(id="1", from_user=User(id=by, is_bot=False, first_name="A"),
                             chat_instance="1", message=message, data="x")

    stray = StrayPress()
    assert await stray(press(Chat(id=7, type="private"), by=7)) is False
    assert await stray(press(Chat(id=7, type="private"), by=8)) == {"foreign": True}
    assert await stray(press(Chat(id=-5, type="group", title="Дом"), by=7)) == {"foreign": True}
    assert await stray(CallbackQuery(id="2", from_user=User(id=7, is_bot=False, first_name="A"),
                                     chat_instance="1", inline_message_id="i", data="x")) == {"foreign": False}
