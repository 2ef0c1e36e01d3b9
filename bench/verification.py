"""Ballot verification: the worker against local registry tables, and verdict → notice latency.

Town (`bench.verification_town`): houses of the 2017 vote with made-up registries (5 flats a
house, seed 2017) imported into the registry tables; one ballot per flat, cast through
`BallotRepository.cast` by the flat's first owner (or its social tenant) as they would type
their data (identity 3, apartment 2; tenants 3/1).

Rows:
- SQLite, one process: the batched worker in its own loop (`Verifier.run`: the next batch
  leased and read while one is decided and written; `RegistryTables.for_claims`, one query a
  registry a batch) and, in the same process, a baseline worker asking the same tables one
  query per ballot per registry, round by round. Accuracy: verdicts as the demo town intends (its deliberate
  inconsistencies rejected, everyone else counted).
- PostgreSQL (when reachable; BENCH_POSTGRES_URL, default the test server): two
  `python -m bot worker --only verify` processes sharing the ballots, their rate taken from
  the verdicts' own timestamps so interpreter start-up is not counted.
- The 2017 volume (400,000 ballots) extrapolated from those rates (target ≤ 60 s).
- Verdict → notice latency through the Telegram sandbox, worker defaults (target p95 ≤ 5 s).
"""
from __future__ import annotations

import asyncio
import gc
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.table import Row
from bench.verification_town import build_town, cast
from bot.demo import HOUSES_CSV
from bot.demo.registries import houses_from_csv
from bot.runners import create_bot
from sandbox.client import SandboxClient
from sandbox.runner import SandboxServer
from bot.worker import Verifier, run_notices, run_verifier, tune_gc
from storage.database import create_engine, create_session_factory
from storage.models import Ballot, Resident
from storage.pii import PiiVault
from storage.registry_tables import RegistryTables

ROOT = Path(__file__).resolve().parents[1]
SQLITE_HOUSES, POSTGRES_HOUSES, FLATS_PER_HOUSE = 2_000, 1_200, 5
BASELINE_BALLOTS = 1_000
BATCH = 1_000
PAIR_BATCH = 500  # more batches to time between the first and the last verdict
VOLUME_2017 = 400_000
LATENCY_BALLOTS = 150
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SANDBOX_TOKEN = "123456:bench-token"
HMAC_KEY, ENCRYPTION_KEY = b"h" * 32, b"e" * 32  # made-up people: fixed keys will do


async def _verify(verifier: Verifier, limit: int | None = None) -> tuple[int, float]:
    done, started = 0, time.perf_counter()
    while limit is None or done < limit:
        leased = (await verifier.run_once()).leased
        if not leased:
            break
        done += leased
    return done, time.perf_counter() - started


async def _run(verifier: Verifier) -> tuple[int, float]:
    """The worker's own loop (`Verifier.run`, rounds overlapping) until the queue is empty."""
    stop, done = asyncio.Event(), [0]

    def counted(round_) -> None:
        done[0] += round_.leased
        if round_.leased < verifier.batch_size:
            stop.set()

    started = time.perf_counter()
    await verifier.run(stop, idle_sleep=0, on_round=counted)
    return done[0], time.perf_counter() - started


async def _accuracy(sessions, expected: dict[int, str]) -> str:
    async with sessions() as session:
        found = dict((await session.execute(select(Ballot.id, Ballot.status))).all())
    checked = [ballot_id for ballot_id, status in found.items() if status != "pending"]
    right = sum(found[ballot_id] == expected[ballot_id] for ballot_id in checked)
    rejected = sum(found[ballot_id] == "rejected" for ballot_id in checked)
    return (f"as intended {100 * right / len(checked):.2f} % "
            f"(rejected {100 * rejected / len(checked):.1f} %)")


def _houses(count: int) -> list[tuple[int, str]]:
    return houses_from_csv(HOUSES_CSV)[:count]


async def _one_process(folder: Path) -> tuple[list[Row], float]:
    vault = PiiVault(HMAC_KEY, ENCRYPTION_KEY)
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    voters, polls = await build_town(url, vault, folder / "sqlite", _houses(SQLITE_HOUSES), FLATS_PER_HOUSE)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    try:
        expected = await cast(sessions, vault, voters, polls, 10_000_000, one_account=True)
        tables = RegistryTables(sessions, vault)
        baseline = Verifier(session_factory=sessions, vault=vault, registries=tables.ports(), batch_size=500)
        base_n, base_s = await _verify(baseline, BASELINE_BALLOTS)
        batched = Verifier(session_factory=sessions, vault=vault, registries=tables, batch_size=BATCH)
        n, seconds = await _run(batched)
        accuracy = await _accuracy(sessions, expected)
    finally:
        await engine.dispose()
    rate, base_rate = n / seconds, base_n / base_s
    return [
        Row(f"verification worker, one process, batches of {BATCH}, local registry tables "
            f"({SQLITE_HOUSES:,} houses, SQLite)", n, per_second=rate, accuracy=accuracy,
            baseline=f"one query per ballot per registry: {base_rate:,.0f}/s", ratio=rate / base_rate),
        Row("baseline: the same worker asking the tables one query per ballot per registry",
            base_n, per_second=base_rate),
    ], rate


def _postgres_reachable() -> bool:
    url = make_url(POSTGRES_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=1):
            return True
    except OSError:
        return False


async def _two_processes(folder: Path) -> tuple[Row, float | None]:
    """Two worker processes on one PostgreSQL database, in a database made for the run."""
    what = "two worker processes (python -m bot worker --only verify), PostgreSQL"
    if not _postgres_reachable():
        return Row(f"{what}: skipped, no server at {make_url(POSTGRES_URL).host}", 0), None
    name = f"bench_verification_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f"CREATE DATABASE {name}"))
        vault = PiiVault(HMAC_KEY, ENCRYPTION_KEY)
        voters, polls = await build_town(url, vault, folder / "postgres", _houses(POSTGRES_HOUSES),
                                         FLATS_PER_HOUSE)
        engine = create_engine(url, pool_size=4)
        sessions = create_session_factory(engine)
        try:
            share = -(-len(voters) // 4)
            expected: dict[int, str] = {}
            for part in await asyncio.gather(*(  # four casting sessions: PostgreSQL takes them at once
                    cast(sessions, vault, voters[i * share:(i + 1) * share], polls, 30_000_000 + i,
                         one_account=True) for i in range(4))):
                expected.update(part)
            n, rate = await _run_workers(url, folder, sessions)
            accuracy = await _accuracy(sessions, expected)
        finally:
            await engine.dispose()
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await admin.dispose()
    return Row(f"{what}, batches of {PAIR_BATCH} ({POSTGRES_HOUSES:,} houses)", n, per_second=rate,
               accuracy=accuracy), rate


async def _run_workers(url: str, folder: Path, sessions) -> tuple[int, float]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder),
           "PYTHONPATH": str(ROOT), "DATABASE_URL": url,
           "PII_HMAC_KEY": HMAC_KEY.hex(), "PII_ENCRYPTION_KEY": ENCRYPTION_KEY.hex()}
    workers = [subprocess.Popen([sys.executable, "-m", "bot", "worker", "--only", "verify",
                                 "--batch-size", str(PAIR_BATCH), "--idle-sleep", "0.2"],
                                cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    try:
        while True:
            await asyncio.sleep(0.2)
            async with sessions() as session:
                pending = await session.scalar(
                    select(func.count()).select_from(Ballot).where(Ballot.status == "pending"))
            if not pending:
                break
            if any(worker.poll() is not None for worker in workers):
                raise RuntimeError("a worker process ended early")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
    async with sessions() as session:
        moments = sorted(at for at, in await session.execute(select(Ballot.verified_at)))
    # each worker's first batch (one timestamp each) was done before the clock could start
    first_batches = set(sorted(set(moments))[:2])
    timed = sum(at not in first_batches for at in moments)
    return len(moments), timed / (moments[-1] - moments[0]).total_seconds()


async def _latency(folder: Path) -> Row:
    """Ballots cast at a steady pace while the worker runs with its defaults: verdict → the
    notice accepted by the sandbox's Bot API, per ballot."""
    vault = PiiVault(HMAC_KEY, ENCRYPTION_KEY)
    url = f"sqlite+aiosqlite:///{folder / 'latency.sqlite3'}"
    voters, polls = await build_town(url, vault, folder / "latency", _houses(60), 3)
    voters = voters[:LATENCY_BALLOTS]
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    stop = asyncio.Event()
    try:
        async with SandboxServer(host="127.0.0.1", port=0) as server, SandboxClient(server.page_url) as client:
            first_id = 20_000_000
            for number in range(len(voters)):
                await client.user(first_id + number, "Житель").register()
            bot = create_bot(SANDBOX_TOKEN, server.url)
            tasks = [asyncio.create_task(run_verifier(session_factory=sessions, vault=vault, stop=stop,
                                                      registries=RegistryTables(sessions, vault))),
                     asyncio.create_task(run_notices(session_factory=sessions, bot=bot, stop=stop))]
            try:
                for number, voter in enumerate(voters):  # about 20 ballots a second
                    await cast(sessions, vault, [voter], polls, first_id + number)
                    await asyncio.sleep(0.05)
                while len([c for c in server.sandbox.calls if c["status"] == 200]) < len(voters):
                    await asyncio.sleep(0.1)
            finally:
                stop.set()
                await asyncio.gather(*tasks)
                await bot.session.close()
            sent_at = {c["chat_id"]: c["at"] for c in server.sandbox.calls if c["status"] == 200}
        async with sessions() as session:
            rows = (await session.execute(select(Resident.telegram_id, Ballot.verified_at)
                                          .join(Ballot, Ballot.resident_id == Resident.id))).all()
    finally:
        await engine.dispose()
    latencies = sorted((sent_at[chat] - verified.timestamp()) * 1000 for chat, verified in rows)
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    return Row(f"verdict → notice accepted by the sandbox Bot API, worker defaults "
               f"(p95 {p95 / 1000:.2f} s, target ≤ 5 s)", len(latencies),
               p50_ms=statistics.median(latencies),
               p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))])


async def rows() -> list[Row]:
    thresholds = tune_gc()  # as `python -m bot worker` runs
    try:
        with tempfile.TemporaryDirectory(prefix="bench-verification-") as folder:
            measured, one = await _one_process(Path(folder))
            pair_row, pair = await _two_processes(Path(folder))
            measured.append(pair_row)
            best = max(one, pair or 0)
            measured.append(Row(
                f"2017 volume extrapolated: {VOLUME_2017:,} ballots in {VOLUME_2017 / one:.0f} s with "
                f"one SQLite worker" + (f", {VOLUME_2017 / pair:.0f} s with two on PostgreSQL" if pair else "")
                + " (target ≤ 60 s)", VOLUME_2017, per_second=best))
            measured.append(await _latency(Path(folder)))
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    return measured
