"""Announcements: the rate the broadcaster achieves against its limit, through the sandbox.

`python -m bot broadcaster` runs in a process of its own against the sandbox served here, over a
SQLite file: 100,000 recipients at the paid 1,000 a second, and 5,000 at the default 25 a second
(that row alone takes about 200 s). Each row says how many messages a second arrived at the
sandbox from the first to the last, its ratio to the limit (the goal: at least 0.95) and the most
that arrived within any one second (never above the limit). A third row times building the
100,000 recipient rows (one INSERT … SELECT).
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from bench.table import Row

REPO = Path(__file__).resolve().parents[1]
TOKEN = "123456:SANDBOX-bench-token"
PROFILES = ((100_000, 1000.0, True), (5_000, 25.0, False))
BARE_COUNT, BARE_IN_FLIGHT = 20_000, 64


async def _one(count: int, rate: float, paid: bool, folder: Path) -> list[Row]:
    from bot.settings import load_settings
    from sandbox.runner import SandboxServer
    from sandbox.state import Person
    from services.broadcasts import Announcements, Audience, Composed
    from storage.database import create_engine, create_session_factory, reading
    from storage.migrate import upgrade
    from storage.models import Resident
    from storage.repositories.broadcasts import AudienceKind

    url = f"sqlite+aiosqlite:///{folder / f'broadcast-{count}.sqlite3'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    people = range(10_000_000, 10_000_000 + count)
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        await session.execute(insert(Resident), [{"telegram_id": chat_id, "language": "ru", "consent_at": now,
                                                  "announcements": True, "created_at": now} for chat_id in people])
    rows: list[Row] = []
    async with SandboxServer(host="127.0.0.1", port=0) as server:
        for chat_id in people:
            server.sandbox.add_person(Person(id=chat_id, first_name="Житель"))
        admin = 9_999_999
        server.sandbox.add_person(Person(id=admin, first_name="Админ"))
        bare_count = min(BARE_COUNT, count)  # to people the sandbox knows
        ceiling = await _bare_ceiling(server, people.start, bare_count, folder) if paid else None
        settings = load_settings(broadcast_paid=paid, broadcast_rate=min(rate, 30.0),
                                 broadcast_paid_rate=rate if paid else 1000.0)
        started = time.perf_counter()
        async with sessions() as session:
            progress = await Announcements(session, settings).launch(
                admin, Composed(text="<b>Собрание жильцов</b> в четверг, 19:00", audience=Audience(AudienceKind.EVERYONE),
                                paid=paid), progress_chat_id=admin, progress_message_id=1)
        built = time.perf_counter() - started
        if count >= 100_000:
            rows.append(Row("announcement: recipient rows built (INSERT … SELECT)", count, count / built))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder), "PYTHONPATH": str(REPO),
               "DATABASE_URL": url, "BOT_TOKEN": TOKEN, "BOT_API_URL": server.url,
               "BROADCAST_PAID": "true" if paid else "false"}
        log = (folder / f"broadcaster-{count}.log").open("w")
        sending_from = time.time()  # the bare sender's messages, earlier, are not the broadcaster's
        process = subprocess.Popen([sys.executable, "-m", "bot", "broadcaster", "--idle-sleep", "0.05"],
                                   cwd=folder, env=env, stdout=log, stderr=log)
        try:
            while True:
                await asyncio.sleep(0.5)
                async with sessions() as session:
                    await reading(session)
                    state = (await Announcements(session).progress(progress.id)).state
                if state == "done":
                    break
                if process.poll() is not None:
                    raise RuntimeError(f"the broadcaster stopped: see {log.name}")
        finally:
            process.send_signal(signal.SIGTERM)
            while process.poll() is None:
                await asyncio.sleep(0.05)
        measured = server.sandbox.throughput(since=sending_from)
    await engine.dispose()
    achieved = _rate(measured)
    kind = "paid" if paid else "free"
    if ceiling is not None:
        rows.append(Row(f"baseline: bare aiogram sender, no limit, {BARE_IN_FLIGHT} in flight, same sandbox",
                        bare_count, ceiling, accuracy=f"{ceiling / rate:.3f} of the {rate:,.0f}/s limit"))
    rows.append(Row(f"announcement at {rate:,.0f}/s ({kind}): achieved rate", measured["messages"], achieved,
                    accuracy=f"{achieved / rate:.3f} of the limit; busiest second {measured['busiest_second']} "
                             f"(limit {rate:,.0f})",
                    ratio=achieved / rate))
    return rows


async def _bare_ceiling(server, first_chat: int, count: int, folder: Path) -> float:
    """Messages a second a bare aiogram sender got through to this sandbox, with no limit."""
    started = time.time()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.bare_sender", server.url, TOKEN, str(first_chat), str(count),
        str(BARE_IN_FLIGHT), cwd=folder, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                              "HOME": str(folder), "PYTHONPATH": str(REPO)})
    if await process.wait() != 0:
        raise RuntimeError("the bare sender failed")
    return _rate(server.sandbox.throughput(since=started))


def _rate(measured: dict) -> float:
    """Messages a second from the first arrival to the last."""
    return (measured["messages"] - 1) / measured["span"] if measured["span"] else 0.0


async def rows() -> list[Row]:
    found: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        for count, rate, paid in PROFILES:
            if rate < 100:
                print(f"  the {rate:.0f}/s row sends {count:,} messages: about {count / rate:.0f} s",
                      file=sys.stderr, flush=True)
            found.extend(await _one(count, rate, paid, Path(folder)))
    return found
