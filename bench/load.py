"""`python -m bench load --bots K --residents N`: whole votes through the production topology.

K `python -m bot webhook` processes behind a round-robin balancer, on a fresh PostgreSQL database
(4,543 houses, made-up registries for the residents' houses, one open poll) and Redis; the
sandbox, in this process, delivers by webhook and plays N residents, `--concurrency` at a time,
each through the whole dialogue over HTTP (consent, address, house, seven answers, review, YES,
confirm: 14 updates). The baseline, run first in the same process: K bare aiogram webhook bots
(`bench.bare_webhook`) taking as many updates per resident. When half the residents are done,
`--kill` kills one bot process with SIGKILL, `--redis-restart` restarts Redis (empty again) and
`--postgres-restart` crashes PostgreSQL and starts it again; for those two the run has a server
of its own (`bench.services`) and residents who start over as a person would
(`bench.residents`); `bench faults` is the whole fault profile. Printed: votes/s, step latency
p50/p95/p99 (the resident's wait from sending to the bot's answer), and the invariants: every
receipt shown has its ballot, no ballot without a receipt, no resident with two.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bench.residents import Resident
from bench.services import OwnPostgres, OwnRedis, restarted
from bench.table import Row, render
from bench.topology import Balancer, BotProcess, base_environment, free_port, until_ready
from bench.town import town
from sandbox.client import SandboxClient, SandboxUser
from sandbox.runner import SandboxServer
from storage.database import create_engine, create_session_factory
from storage.models import Ballot

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TOKEN = "123456:BENCH-load-token"
SECRET = "bench-load-secret-0123456789abcdef"
BUSY = ("Я ещё обрабатываю", "I am still handling")  # a step to repeat: its process died mid-update
STEPS = 14


class Steps:
    """One resident's moves, each timed from sending to the bot's answer."""

    def __init__(self, user: SandboxUser, latencies: list[float]) -> None:
        self.user, self.latencies = user, latencies

    async def _timed(self, act: Callable[[], Awaitable[object]]) -> object:
        for _ in range(5):
            started = time.perf_counter()
            answer = await act()
            self.latencies.append((time.perf_counter() - started) * 1000)
            if not any(marker in (getattr(answer, "text", "") or "") for marker in BUSY):
                return answer
            await asyncio.sleep(1.0)
        raise RuntimeError("the bot stayed busy")

    async def send(self, text: str) -> object:
        return await self._timed(lambda: self.user.send(text))

    async def press(self, fragment: str) -> object:
        shown = await self.user.wait_for(lambda m: any(fragment in b for row in m.buttons for b in row))
        label = next(b for row in shown.buttons for b in row if fragment in b)
        return await self._timed(lambda: self.user.press(label))


async def vote(steps: Steps, r: dict[str, str]) -> str | None:
    """The whole dialogue; the receipt code it shows."""
    import re

    await steps.send("/start")
    await steps.press("Даю согласие")
    await steps.user.wait_for(lambda m: any("✖" in b for row in m.buttons for b in row))
    await steps.send(r["address"])
    await steps.press(r["address"])
    for answer in (r["flat"], r["full_name"], r["birth_date"], r["passport"], r["snils"], r["fls"],
                   r["property_document"]):
        await steps.send(answer)
    for button in ("Всё верно", "👍 ЗА", "Да, голосую ЗА"):
        await steps.press(button)
    shown = await steps.user.wait_for(lambda m: re.search(r"Квитанция: ([A-Z0-9]{10})", m.text) is not None)
    return re.search(r"Квитанция: ([A-Z0-9]{10})", shown.text).group(1)


async def bare_vote(steps: Steps, r: dict[str, str]) -> None:
    for n in range(STEPS):
        await steps.send(f"step {n}")


async def fresh_database(server: str = POSTGRES) -> str:
    name = f"bench_load_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f"CREATE DATABASE {name}"))
    await admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str, server: str = POSTGRES) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)"))
    await admin.dispose()


HALF_WAY = {"kill": "one bot killed", "redis": "Redis restarted", "postgres": "PostgreSQL restarted"}


async def hurt(faults: frozenset[str], processes: list[BotProcess], redis: OwnRedis | None,
               postgres: OwnPostgres | None) -> None:
    """The half-way faults, with the fault profile's own means (`bench.services`)."""
    if "kill" in faults:
        processes[0].kill()
    if redis is not None:
        await restarted(redis)
    if postgres is not None:
        await restarted(postgres)


async def run_load(*, bots: int, residents: int, concurrency: int, bare: bool,
                   faults: frozenset[str] = frozenset()) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    keys = {"PII_HMAC_KEY": secrets.token_hex(32), "PII_ENCRYPTION_KEY": secrets.token_hex(32)}
    processes: list[BotProcess] = []
    async with contextlib.AsyncExitStack() as stack:
        # a server to restart is one of the run's own: the shared ones serve other work
        redis = OwnRedis() if "redis" in faults else None
        postgres = OwnPostgres() if "postgres" in faults else None
        if redis is not None:
            stack.callback(redis.stop)
            await asyncio.to_thread(redis.start)
        if postgres is not None:
            stack.callback(postgres.stop)
            await asyncio.to_thread(postgres.start)
        url = await fresh_database(POSTGRES if postgres is None else postgres.url())
        if postgres is None:
            stack.push_async_callback(drop_database, url)
        people = await town(url, folder, residents, keys)
        server = await stack.enter_async_context(SandboxServer(host="127.0.0.1", port=0))
        ports = [free_port() for _ in range(bots)]
        balancer = Balancer([f"http://127.0.0.1:{port}" for port in ports])
        await balancer.start()
        stack.push_async_callback(balancer.stop)
        env = base_environment(folder, DATABASE_URL=url, REDIS_URL=REDIS if redis is None else redis.url,
                               REDIS_PREFIX=f"load{secrets.token_hex(3)}", BOT_TOKEN=TOKEN, BOT_API_URL=server.url,
                               WEBHOOK_SECRET=SECRET, WEBHOOK_URL=f"{balancer.url}/telegram/updates", **keys)
        module, argv = ("bench.bare_webhook", []) if bare else ("bot", ["webhook", "--wait", "30"])
        processes = [BotProcess(folder, f"{module}-{n}", argv, {**env, "WEBHOOK_LISTEN": f"127.0.0.1:{port}"},
                                module=module) for n, port in enumerate(ports)]
        stack.push_async_callback(_stopped, processes)
        for process in processes:
            process.start()
        async with aiohttp.ClientSession() as http:
            for process, port in zip(processes, ports, strict=True):
                await until_ready(http, f"http://127.0.0.1:{port}", process)
            if bare:
                await http.post(f"{server.url}/bot{TOKEN}/setWebhook",
                                json={"url": env["WEBHOOK_URL"], "secret_token": SECRET})
        latencies: list[float] = []
        receipts: dict[int, str | None] = {}
        done, half_way = 0, []
        lanes = asyncio.Semaphore(concurrency)
        async with SandboxClient(server.page_url, timeout=60.0, settle=0.02) as client:
            async def one(n: int, r: dict[str, str]) -> None:
                nonlocal done
                async with lanes:
                    user = client.user(5_000_000 + n, f"Житель {n}")
                    if bare:
                        receipts[n] = await bare_vote(Steps(user, latencies), r)
                    elif faults - {"kill"}:  # the dialogue's state may be lost: a person starts over
                        receipts[n] = await Resident(user, r, latencies).vote()
                    else:
                        receipts[n] = await vote(Steps(user, latencies), r)
                    done += 1
                    if faults and done == residents // 2:
                        half_way.append(asyncio.create_task(hurt(faults, processes, redis, postgres)))

            started = time.perf_counter()
            await asyncio.gather(*(one(n, r) for n, r in enumerate(people)))
            spent = time.perf_counter() - started
            await asyncio.gather(*half_way)
        rss = [rss_mb(p.process.pid) for p in processes if p.process.poll() is None]
        ballots: list[str] = []
        if not bare:
            engine = create_engine(url)
            async with create_session_factory(engine)() as session:
                ballots = list(await session.scalars(select(Ballot.receipt_code)))
            await engine.dispose()
    shown = [code for code in receipts.values() if code]
    return {"spent": spent, "latencies": latencies, "shown": shown, "ballots": ballots, "served": balancer.served,
            "rss": rss, "gave_up": sum(1 for code in receipts.values() if not code)}


async def _stopped(processes: list[BotProcess]) -> None:
    for process in processes:
        if process.process is not None and process.process.poll() is None:
            await process.stop()


def rss_mb(pid: int) -> float:
    """A process's resident memory (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def rows(*, bots: int, residents: int, concurrency: int, faults: frozenset[str] = frozenset()) -> list[Row]:
    bare = await run_load(bots=bots, residents=residents, concurrency=concurrency, bare=True)
    ours = await run_load(bots=bots, residents=residents, concurrency=concurrency, bare=False, faults=faults)
    bare_rate, our_rate = residents / bare["spent"], residents / ours["spent"]
    lost = len(set(ours["shown"]) - set(ours["ballots"]))
    unseen = len(set(ours["ballots"]) - set(ours["shown"]))
    invariants = (f"{len(ours['shown'])} receipts, {len(ours['ballots'])} ballots, {lost} shown without a "
                  f"ballot, {unseen} ballots never shown, {len(ours['shown']) - len(set(ours['shown']))} duplicates"
                  + (f", {ours['gave_up']} gave up" if ours["gave_up"] else ""))
    hurt_by = ", ".join(HALF_WAY[fault] for fault in HALF_WAY if fault in faults)
    p95 = _percentile(ours["latencies"], 0.95)
    return [
        Row(f"bare aiogram webhook bots ×{bots}: {STEPS} updates a resident (Redis state, 1 query, 1 answer)",
            residents, per_second=bare_rate, p50_ms=statistics.median(bare["latencies"]),
            p99_ms=_percentile(bare["latencies"], 0.99)),
        Row(f"complete votes through {bots} webhook bots behind a balancer (PostgreSQL, Redis)"
            + (f", {hurt_by} half-way" if hurt_by else ""), residents, per_second=our_rate,
            p50_ms=statistics.median(ours["latencies"]), p99_ms=_percentile(ours["latencies"], 0.99),
            accuracy=f"p95 {p95:.0f} ms; {invariants}; bot RSS {max(ours['rss'], default=0):.0f} MB",
            baseline="bare webhook bots", ratio=our_rate / bare_rate),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bots", type=int, default=2)
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=25, help="residents in the dialogue at once")
    parser.add_argument("--kill", action="store_true", help="kill one bot process with SIGKILL half-way")
    parser.add_argument("--redis-restart", action="store_true",
                        help="restart Redis (a server of the run's own, empty again) half-way")
    parser.add_argument("--postgres-restart", action="store_true",
                        help="crash PostgreSQL (a cluster of the run's own) and start it again half-way")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    faults = frozenset(name for name, asked in (("kill", args.kill), ("redis", args.redis_restart),
                                                ("postgres", args.postgres_restart)) if asked)
    found = asyncio.run(rows(bots=args.bots, residents=args.residents, concurrency=args.concurrency, faults=faults))
    print(render(found, markdown=args.markdown))
    return 0
