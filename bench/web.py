"""The results site under load: `python -m bot web` over the replayed 2017 vote, all 4,543 houses
(about 400,000 ballots, written into a SQLite file and published first: a minute or so).

The site runs in a process of its own, as in production (warmed up at start: the listing and the
address indexes built, then frozen out of the garbage collector's way); an aiohttp client on
loopback keeps 20 requests in flight. Each row: requests a second over the whole run, and the p50 and p99 latency of
one request. Rows:
- a house's page, houses drawn at random (seed 2017);
- the results page browsed: a random page of 91, sorted by address, share or decision, a third of
  them filtered by okrug;
- the results page with an address search, the address typed with a typo;
- a house's chart drawn for the first time (matplotlib), then served again from memory;
- the CSV of the whole publication.
Goals, with the client on the same machine: a house's page at 500 requests a second or more, the
results page at 200 or more.
"""
from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp

from bench.table import Row
from bot.demo import HOUSES_CSV
from bot.demo.replay2017 import official_houses, replay
from bot.demo.replay_database import load_replay
from services.results import ResultsDesk
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade

SEED = 2017
REQUESTS = 2_000
AT_ONCE = 20
GOALS = {"house": 500, "results": 200}  # requests a second
SORTS = ("address", "share", "decision")
OKRUGS = ("ЦАО", "САО", "СВАО", "ВАО", "ЮВАО", "ЮАО", "ЮЗАО", "ЗАО", "СЗАО")


async def _published(url: str) -> int:
    await upgrade(url)
    engine = create_engine(url)
    try:
        sessions = create_session_factory(engine)
        poll_id = await load_replay(sessions, HOUSES_CSV, replay(HOUSES_CSV))
        async with sessions() as session:
            await ResultsDesk(session).publish(poll_id)
        return poll_id
    finally:
        await engine.dispose()


def _serve(url: str) -> tuple[subprocess.Popen, str]:
    """`python -m bot web` on a free port; its address once it says so."""
    process = subprocess.Popen([sys.executable, "-m", "bot", "web", "--port", "0"], text=True,
                               env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    for line in process.stdout:  # type: ignore[union-attr]
        if match := re.search(r"Results site: (\S+?)/?\s", line):
            # whatever it writes later must not fill the pipe and stall it
            threading.Thread(target=process.stdout.read, daemon=True).start()  # type: ignore[union-attr]
            return process, match.group(1)
    raise RuntimeError(f"`python -m bot web` stopped with {process.wait()} before it served")


def _typo(address: str, rng: random.Random) -> str:
    """The street's name with one letter dropped, and the house number: "Кубнка 12"."""
    words = [w.strip(",") for w in address.split() if len(w.strip(",")) > 4 and not w.startswith(("улица", "дом"))]
    numbers = re.findall(r"\d+", address)
    word = words[0] if words else address.split()[0]
    at = rng.randrange(1, len(word) - 1) if len(word) > 2 else 0
    return f"{word[:at]}{word[at + 1:]} {numbers[0] if numbers else ''}".strip()


async def _load(session: aiohttp.ClientSession, base: str, paths: list[str]) -> tuple[float, list[float]]:
    """All the paths fetched, AT_ONCE at a time: (seconds in all, milliseconds each)."""
    waiting = iter(paths)
    times: list[float] = []

    async def worker() -> None:
        for path in waiting:
            started = time.perf_counter()
            async with session.get(base + path) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status}")
            times.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(AT_ONCE)))
    return time.perf_counter() - started, times


def _row(what: str, elapsed: float, times: list[float], goal: str | None = None) -> Row:
    p99 = sorted(times)[min(len(times) - 1, int(len(times) * 0.99))]
    per_second = len(times) / elapsed
    if goal is not None:
        what += f" (goal ≥ {GOALS[goal]}/s: {'met' if per_second >= GOALS[goal] else 'not met'})"
    return Row(what, len(times), per_second=per_second, p50_ms=statistics.median(times), p99_ms=p99)


async def rows() -> list[Row]:
    rng = random.Random(SEED)
    houses = official_houses(HOUSES_CSV)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'replay.sqlite3'}"
        started = time.perf_counter()
        poll = await _published(url)
        print(f"  the 2017 replay written and published in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        process, base = _serve(url)
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=AT_ONCE)) as session:
                await _load(session, base, [f"/polls/{poll}", f"/polls/{poll}?q=Кубинка"])  # first listing, index
                scenarios: list[tuple[str, Callable[[], str], str | None]] = [
                    ("site: a house's page, 4,543-house publication, SQLite",
                     lambda: f"/polls/{poll}/houses/{rng.choice(houses).unom}", "house"),
                    ("site: results page browsed (page, sort, okrug), 4,543 houses",
                     lambda: f"/polls/{poll}?page={rng.randint(1, 91)}&sort={rng.choice(SORTS)}"
                             + (f"&okrug={rng.choice(OKRUGS)}" if rng.random() < 1 / 3 else ""), "results"),
                    ("site: results page, address search with a typo",
                     lambda: f"/polls/{poll}?q={_typo(rng.choice(houses).address, rng)}", "results"),
                ]
                result = []
                for what, path, goal in scenarios:
                    elapsed, times = await _load(session, base, [path() for _ in range(REQUESTS)])
                    result.append(_row(what, elapsed, times, goal))
                charted = [f"/polls/{poll}/houses/{h.unom}/chart.png" for h in rng.sample(houses, 300)]
                elapsed, times = await _load(session, base, charted)
                result.append(_row("site: a house's chart, drawn for the first time", elapsed, times))
                elapsed, times = await _load(session, base, charted * 3)
                result.append(_row("site: a house's chart, drawn before", elapsed, times))
                elapsed, times = await _load(session, base, [f"/polls/{poll}/results.csv"] * 200)
                result.append(_row("site: the publication's CSV (4,543 houses, 850 KB)", elapsed, times))
                return result
        finally:
            process.terminate()
            process.wait(timeout=10)
