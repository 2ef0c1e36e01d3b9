"""A bot process killed with SIGKILL mid-update leaves the resident's Redis isolation lock behind;
the next process handles the resident's next press within the bounded wait, never silently."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import DefaultKeyBuilder
from redis.asyncio import Redis

from bot.isolation import HOLD_SECONDS, WAIT_SECONDS
from sandbox.client import SandboxError
from sandbox.runner import SandboxServer
from tests.dialogue.steps import WORDS, has_button
from tests.plugins.dialogue import open_poll, voting_stand
from tests.plugins.sandbox import SANDBOX_TOKEN
from storage.database import create_engine, create_session_factory

REPO = Path(__file__).resolve().parents[2]
BUSY = "Я ещё обрабатываю ваш предыдущий шаг"
ADDRESS_PROMPT = "адрес своего дома"
BOUND = HOLD_SECONDS + WAIT_SECONDS + 3.0  # the longest a press may wait for its answer, and some slack


async def test_a_press_after_a_kill_is_handled_within_the_bounded_wait(
        tmp_path, houses_template, pii_keys, redis_url, key_prefix):
    database_file = tmp_path / "vote.sqlite3"
    shutil.copy(houses_template, database_file)
    url = f"sqlite+aiosqlite:///{database_file}"
    engine = create_engine(url)
    poll_id = await open_poll(create_session_factory(engine))
    await engine.dispose()
    redis = Redis.from_url(redis_url)
    lock_key = DefaultKeyBuilder(prefix=key_prefix, with_bot_id=True, with_destiny=True).build(
        StorageKey(bot_id=int(SANDBOX_TOKEN.split(":")[0]), chat_id=9701, user_id=9701), "lock")
    async with SandboxServer(host="127.0.0.1", port=0) as server:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "PYTHONPATH": str(REPO),
               "DATABASE_URL": url, "BOT_TOKEN": SANDBOX_TOKEN, "BOT_API_URL": server.url,
               "REDIS_URL": redis_url, "REDIS_PREFIX": key_prefix,
               "PII_HMAC_KEY": pii_keys["pii_hmac_key"], "PII_ENCRYPTION_KEY": pii_keys["pii_encryption_key"]}
        with (tmp_path / "bot.log").open("w") as log:
            process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                                       stdout=log, stderr=log)
        try:
            from sandbox.client import SandboxClient

            async with SandboxClient(server.page_url, timeout=30.0) as client:
                victim = client.user(9701, "Анна")
                await victim.send("/start", wait=False)
                await victim.wait_for(has_button(WORDS["ru"]["agree"]), timeout=30.0)
                # the consent handler hangs on its next call to Telegram, holding the lock
                await client.add_fault("delay", chat_id=victim.id, delay=60, times=1)
                await victim.press(WORDS["ru"]["agree"], wait=False)
                deadline = time.monotonic() + 10
                while not await redis.exists(lock_key):
                    assert time.monotonic() < deadline, "the press never took the resident's lock"
                    time.sleep(0.05)
                process.send_signal(signal.SIGKILL)
                assert process.wait(timeout=10) == -signal.SIGKILL
                assert await redis.exists(lock_key), "the killed process should have left its lock"
                await client.clear_faults()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        # the next process: it gets the unconfirmed press again, then the resident's new one
        async with voting_stand(database_file, pii_keys=pii_keys, redis_url=redis_url,
                                fsm_prefix=key_prefix, server=server, poll_id=poll_id) as stand:
            victim = stand.client.user(9701, "Анна")
            for _attempt in range(3):
                try:
                    pressed = await stand.client.request("POST", "/sandbox/api/users/9701/press",
                                                         json={"button": WORDS["ru"]["agree"]})
                except SandboxError:
                    break  # the consent buttons are gone: an earlier press was handled
                # every press is answered within the bound: handled, or "try again" while the lock lives
                await victim.wait_answer(after=pressed["version"], timeout=BOUND)
                chat = await victim.chat()
                if any(ADDRESS_PROMPT in (m["text"] or "") for m in chat["messages"]):
                    break
                if any(button["text"] == WORDS["ru"]["agree"] for m in chat["messages"]
                       for row in m["buttons"] for button in row):
                    notices = chat["notices"]
                    assert notices and BUSY in notices[-1]["text"] and notices[-1]["alert"], notices
            else:
                raise AssertionError("the resident's presses were never handled after the kill")
            await victim.wait_for(lambda m: ADDRESS_PROMPT in m.text, timeout=BOUND)
    try:
        async for key in redis.scan_iter(f"{key_prefix}:*"):
            await redis.delete(key)
    finally:
        await redis.aclose()
