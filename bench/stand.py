"""The production topology for the fault profile, per database, with its faults at hand.

On SQLite (a file) or on a PostgreSQL cluster of its own (`OwnPostgres`, which may be crashed):
a Redis of its own, the sandbox in this process, `python -m bot webhook` processes behind the
balancer, one `python -m bot worker` asking the agency gateway stand-in (`bench.gateway`, which
answers from the agency's own SQLite file), the town of `bench.town`. The processes are forked
warm (`bench.warm`): a start costs a fraction of a second, not seconds of imports. Each fault is a
method that returns once the stand has recovered: a killed process is started again and ready, a
restarted server answers again. A process that ends without being killed is a defect of the
product: it is recorded in `unexpected` and started again, as a supervisor would.
"""
from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.gateway import Gateway, gateway_on, worker_env
from bench.services import OwnPostgres, OwnRedis, restarted
from bench.topology import Balancer, BotProcess, base_environment, free_port, until_ready
from bench.town import town
from bench.warm import fork_server
from sandbox.runner import SandboxServer
from storage.database import create_engine, create_session_factory
from storage.pii import PiiVault
from storage.registry_tables import RegistryTables
from verification.registries import EIRC, MVD, PFR, ROSREESTR

TOKEN = "123456:BENCH-faults-token"
SECRET = "bench-faults-secret-0123456789abcdef"
WORKER_STARTED = "worker started"
# short leases and pauses: a killed worker's batch comes back within seconds, not minutes, and a
# registry found down is tried again after 2 s (the default 30 s would outlast the bounded test)
WORKER_FLAGS = ("--idle-sleep", "0.2", "--lease", "5", "--notice-lease", "5", "--batch-size", "50",
                "--rate", "100", "--retry-after", "1", "--registry-cool-down", "2")


@dataclass
class Stand:
    database: str
    folder: Path
    url: str
    people: list[dict[str, str]]
    redis: OwnRedis
    postgres: OwnPostgres | None
    server: SandboxServer
    balancer: Balancer
    bots: list[BotProcess]
    bot_ports: list[int]
    worker: BotProcess
    gateway: Gateway
    unexpected: list[str] = field(default_factory=list)  # processes that ended by themselves
    _restarting: set[str] = field(default_factory=set)

    def restarting(self, process: BotProcess) -> bool:
        return process.name in self._restarting

    # --- the faults ---------------------------------------------------------------------------

    async def kill_bot(self, index: int) -> None:
        """kill -9 of one webhook process; started again and ready."""
        bot = self.bots[index]
        self._restarting.add(bot.name)
        try:
            bot.kill()
            await asyncio.sleep(0.5)  # as a supervisor would: not in the same instant
            await asyncio.to_thread(bot.start)
            await self._bot_ready(index)
        finally:
            self._restarting.discard(bot.name)

    async def kill_worker(self) -> None:
        """kill -9 of the worker; started again."""
        self._restarting.add(self.worker.name)
        try:
            self.worker.kill()
            await self._start_worker()
        finally:
            self._restarting.discard(self.worker.name)

    async def restart_redis(self, down: float = 1.0) -> None:
        """Redis killed and started again `down` seconds later, empty."""
        await restarted(self.redis, down)

    async def restart_postgres(self, down: float = 1.0) -> None:
        """The PostgreSQL cluster crashed (`pg_ctl stop -m immediate`), started `down` seconds later."""
        if self.postgres is None:
            raise ValueError("a PostgreSQL restart needs the PostgreSQL stand")
        await restarted(self.postgres, down)

    async def registry_down(self, seconds: float = 3.0) -> None:
        """Every registry answers 503 for `seconds`: the ballots asked meanwhile stay pending."""
        self.gateway.down |= {EIRC, MVD, PFR, ROSREESTR}
        try:
            await asyncio.sleep(seconds)
        finally:
            self.gateway.down.clear()

    # --- processes ----------------------------------------------------------------------------

    async def _bot_ready(self, index: int) -> None:
        async with aiohttp.ClientSession() as http:
            await until_ready(http, f"http://127.0.0.1:{self.bot_ports[index]}", self.bots[index])

    async def _start_worker(self, timeout: float = 90.0) -> None:
        started = self.worker.output().count(WORKER_STARTED)
        await asyncio.to_thread(self.worker.start)
        for _ in range(int(timeout / 0.1)):
            if self.worker.output().count(WORKER_STARTED) > started:
                return
            if self.worker.process.poll() is not None:
                raise AssertionError(f"the worker ended at start:\n{self.worker.output()[-3000:]}")
            await asyncio.sleep(0.1)
        raise AssertionError(f"the worker did not start within {timeout} s")

    async def supervise(self) -> None:
        """Runs beside the votes: a process that ended without being killed is noted and restarted."""
        while True:
            await asyncio.sleep(0.5)
            for index, process in [*enumerate(self.bots), (None, self.worker)]:
                if process.name in self._restarting or process.process.poll() is None:
                    continue
                tail = " | ".join(process.output().strip().splitlines()[-3:])
                self.unexpected.append(f"{process.name} ended with {process.process.returncode}: {tail}")
                self._restarting.add(process.name)
                try:
                    if index is None:
                        await self._start_worker()
                    else:
                        await asyncio.to_thread(process.start)
                        await self._bot_ready(index)
                finally:
                    self._restarting.discard(process.name)

    async def stop(self) -> None:
        async def stopped(process: BotProcess) -> None:
            if process.process is not None and process.process.poll() is None:
                with contextlib.suppress(AssertionError):
                    await process.stop()

        await asyncio.gather(*(stopped(process) for process in [*self.bots, self.worker]))

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.output()[-4000:]}" for p in [*self.bots, self.worker])


@contextlib.asynccontextmanager
async def stand_up(database: str, folder: Path, residents: int, *, bots: int = 2,
                   houses: int | None = None) -> AsyncIterator[Stand]:
    """The stand with everything started; torn down on leaving, whatever happened."""
    if database not in ("sqlite", "postgres"):
        raise ValueError(f"unknown database {database!r}: sqlite or postgres")
    folder.mkdir(parents=True, exist_ok=True)
    keys = {"PII_HMAC_KEY": secrets.token_hex(32), "PII_ENCRYPTION_KEY": secrets.token_hex(32)}
    redis, postgres = OwnRedis(), None
    fork_server()  # the processes' imports, once, while the town is built
    async with contextlib.AsyncExitStack() as stack:
        await asyncio.to_thread(redis.start)
        stack.callback(redis.stop)
        if database == "postgres":
            postgres = OwnPostgres()
            stack.callback(postgres.stop)
            await asyncio.to_thread(postgres.start)
            url = await postgres.create_database("vote")
        else:
            url = f"sqlite+aiosqlite:///{folder / 'vote.sqlite3'}"
        agency_url = f"sqlite+aiosqlite:///{folder / 'agency.sqlite3'}"
        people = await town(url, folder, residents, keys, houses=houses, agency_url=agency_url)
        agency = create_engine(agency_url)
        stack.push_async_callback(agency.dispose)
        vault = PiiVault(bytes.fromhex(keys["PII_HMAC_KEY"]), bytes.fromhex(keys["PII_ENCRYPTION_KEY"]))
        gateway_port = free_port()
        gateway = await stack.enter_async_context(
            gateway_on(gateway_port, RegistryTables(create_session_factory(agency), vault)))
        server = await stack.enter_async_context(SandboxServer(host="127.0.0.1", port=0))
        ports = [free_port() for _ in range(bots)]
        balancer = Balancer([f"http://127.0.0.1:{port}" for port in ports])
        await balancer.start()
        stack.push_async_callback(balancer.stop)
        env = base_environment(folder, DATABASE_URL=url, REDIS_URL=redis.url, REDIS_PREFIX="faults",
                               BOT_TOKEN=TOKEN, BOT_API_URL=server.url, WEBHOOK_SECRET=SECRET,
                               WEBHOOK_URL=f"{balancer.url}/telegram/updates", **keys)
        bot_processes = [BotProcess(folder, f"bot-{n}", ["webhook", "--wait", "30"],
                                    {**env, "WEBHOOK_LISTEN": f"127.0.0.1:{port}"}, warm=True)
                         for n, port in enumerate(ports)]
        worker = BotProcess(folder, "worker", ["worker", "--registries-url", f"http://127.0.0.1:{gateway_port}/gateway",
                                               *WORKER_FLAGS], {**env, **worker_env()}, warm=True)
        stand = Stand(database, folder, url, people, redis, postgres, server, balancer, bot_processes, ports,
                      worker, gateway)
        stack.push_async_callback(stand.stop)
        for process in bot_processes:
            await asyncio.to_thread(process.start)
        await asyncio.gather(stand._start_worker(), *(stand._bot_ready(n) for n in range(bots)))
        yield stand
