"""Fault rules: flood limits, blocked users and slowness, per chat, per method or for everything."""
from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramNetworkError, TelegramRetryAfter

from sandbox.client import SandboxClient, SandboxError


@pytest.fixture
async def two_people(sandbox_client: SandboxClient) -> tuple[int, int]:
    for user_id, name in ((701, "Анна"), (702, "Борис")):
        await sandbox_client.user(user_id, name).register()
    return 701, 702


async def test_flood_limit_carries_retry_after_and_passes(sandbox_bot: Bot, sandbox_client: SandboxClient,
                                                         two_people: tuple[int, int]) -> None:
    await sandbox_client.add_fault("429", retry_after=7, times=1)
    with pytest.raises(TelegramRetryAfter) as raised:
        await sandbox_bot.send_message(two_people[0], "рассылка")
    assert raised.value.retry_after == 7
    assert (await sandbox_bot.send_message(two_people[0], "рассылка")).text == "рассылка"
    statuses = [c["status"] for c in await sandbox_client.calls("sendMessage")]
    assert statuses == [429, 200]


async def test_blocked_user_is_403_for_their_chat_only(sandbox_bot: Bot, sandbox_client: SandboxClient,
                                                       two_people: tuple[int, int]) -> None:
    blocked, other = two_people
    await sandbox_client.add_fault("403", chat_id=blocked)
    for _ in range(2):
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await sandbox_bot.send_message(blocked, "уведомление")
    assert (await sandbox_bot.send_message(other, "уведомление")).chat.id == other
    await sandbox_client.clear_faults()
    assert (await sandbox_bot.send_message(blocked, "снова")).chat.id == blocked


async def test_a_rule_for_one_method_leaves_the_others(sandbox_bot: Bot, sandbox_client: SandboxClient,
                                                       two_people: tuple[int, int]) -> None:
    sent = await sandbox_bot.send_message(two_people[0], "текст")
    await sandbox_client.add_fault("429", method="sendMessage", retry_after=3)
    with pytest.raises(TelegramRetryAfter):
        await sandbox_bot.send_message(two_people[0], "ещё")
    edited = await sandbox_bot.edit_message_text("правка", chat_id=two_people[0], message_id=sent.message_id)
    assert edited.text == "правка"


async def test_a_rule_for_everything_does_not_stall_polling(sandbox_bot: Bot, sandbox_client: SandboxClient,
                                                            two_people: tuple[int, int]) -> None:
    await sandbox_client.add_fault("429", retry_after=5)
    assert (await sandbox_bot.get_me()).id == 123456
    assert await sandbox_bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramRetryAfter):
        await sandbox_bot.send_chat_action(two_people[1], "typing")


async def test_a_delay_longer_than_the_bots_timeout_fails_the_call(
        sandbox_bot: Bot, sandbox_client: SandboxClient, two_people: tuple[int, int]) -> None:
    await sandbox_client.add_fault("delay", chat_id=two_people[0], delay=3, times=1)
    with pytest.raises(TelegramNetworkError, match="timeout"):
        await sandbox_bot.send_message(two_people[0], "медленно", request_timeout=1)
    assert (await sandbox_bot.send_message(two_people[0], "быстро", request_timeout=1)).text == "быстро"


async def test_bad_rules_are_refused_with_the_reason(sandbox_client: SandboxClient) -> None:
    with pytest.raises(SandboxError, match="kind must be one of"):
        await sandbox_client.add_fault("500")
    with pytest.raises(SandboxError, match="retry_after must be a positive integer"):
        await sandbox_client.add_fault("429", retry_after=0)
