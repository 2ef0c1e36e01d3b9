"""`python -m bot worker` killed with SIGKILL and started again: every ballot verified once,
every resident notified — exactly once when the kill falls outside a send's round trip."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sandbox.client import SandboxClient
from sandbox.runner import SandboxServer
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import BallotEvent, EventKind, OutboxMessage, RegistryCheck
from storage.pii import PiiVault
from storage.registry_tables import RegistryTables
from tests.plugins.sandbox import SANDBOX_TOKEN
from tests.plugins.worker import add_poll, cast, settle, verdict_events
from bench.gateway import free_port, gateway_on, worker_env

REPO = Path(__file__).resolve().parents[2]
KINDS = ("counted", "co_owner", "tenant", "registered_only", "passport.invalid", "fls.not_this_flat")


class WorkerProcess:
    """The operator's worker command in a process of its own, with its output in a file."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env, self.runs = folder, env, 0
        self.process: subprocess.Popen | None = None

    def start(self, *args: str) -> None:
        self.runs += 1
        log = (self.folder / f"worker-{self.runs}.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "worker", "--idle-sleep", "0.1", "--lease", "2",
             "--notice-lease", "2", *args], cwd=self.folder, env=self.env, stdout=log, stderr=log)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(timeout=10) == -signal.SIGKILL

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def output(self) -> str:
        return "\n".join((self.folder / f"worker-{n}.log").read_text() for n in range(1, self.runs + 1))


@pytest.fixture
async def stand(tmp_path, town, pii_keys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'vote.sqlite3'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    vault = PiiVault(bytes.fromhex(pii_keys["pii_hmac_key"]), bytes.fromhex(pii_keys["pii_encryption_key"]))
    async with SandboxServer(host="127.0.0.1", port=0) as server, SandboxClient(server.page_url) as client:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
               "PYTHONPATH": str(REPO), "DATABASE_URL": url, "BOT_TOKEN": SANDBOX_TOKEN,
               "BOT_API_URL": server.url, "PII_HMAC_KEY": pii_keys["pii_hmac_key"],
               "PII_ENCRYPTION_KEY": pii_keys["pii_encryption_key"], **worker_env()}
        worker = WorkerProcess(tmp_path, env)
        try:
            yield sessions, vault, client, worker
        finally:
            if worker.process is not None and worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait()
            await engine.dispose()


async def cast_many(sessions, vault, town, client, polls: int) -> dict[str, int]:
    """One ballot per kind in each of `polls` polls; each kind is one resident. → receipt: chat"""
    world = await settle(sessions, vault, town)
    people = [client.user(9100 + n, f"Житель {n}") for n in range(len(KINDS))]
    for person in people:
        await person.register()
    receipts = {}
    typed = [town.case(kind) if kind == "counted" or "." in kind else town.resident(kind) for kind in KINDS]
    for number in range(polls):
        by_levels = {levels: await add_poll(sessions, levels, title=f"Опрос {number}")
                     for levels in {t["levels"] for t in typed}}
        for person, data in zip(people, typed):
            ballot = await cast(sessions, vault, world, data, telegram_id=person.id,
                                poll=by_levels[data["levels"]])
            receipts[ballot.receipt_code] = person.id
    return receipts


async def count(sessions, statement) -> int:
    async with sessions() as session:
        return await session.scalar(statement)


async def wait_until(condition, *, timeout: float, worker: WorkerProcess) -> None:
    for _ in range(int(timeout / 0.05)):
        if await condition():
            return
        assert worker.process.poll() is None, worker.output()
        await asyncio.sleep(0.05)
    raise AssertionError(f"not reached within {timeout} s\n{worker.output()}")


async def delivered(client: SandboxClient, receipts: dict[str, int]) -> Counter:
    """How many messages in the residents' chats carry each receipt code."""
    seen: Counter = Counter()
    for chat_id in set(receipts.values()):
        for message in await client.user(chat_id).messages():
            seen.update(code for code in receipts if code in message.text)
    return seen


def unsent():
    return select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))


def notified():
    return select(func.count()).select_from(BallotEvent).where(BallotEvent.kind == EventKind.NOTIFIED)


async def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(stand, town):
    sessions, vault, client, worker = stand
    receipts = await cast_many(sessions, vault, town, client, polls=100)
    total = len(receipts)
    # Telegram refuses everything at first, so no notice is on the wire when the kill falls
    await client.add_fault("429", method="sendMessage", retry_after=2)
    port = free_port()
    async with gateway_on(port, RegistryTables(sessions, vault)) as gateway:
        # the agency stops answering mid-way: the worker is then inside a batch, leases held
        gateway.hang_after = 4 * 60
        worker.start("--batch-size", "5", "--registries-url", f"http://127.0.0.1:{port}/gateway")
        await asyncio.wait_for(gateway.hanging.wait(), timeout=60)
        worker.kill()
    async with sessions() as session:
        leased = await session.scalar(select(func.count()).select_from(RegistryCheck)
                                      .where(RegistryCheck.leased_by.is_not(None)))
    assert leased > 0, "no batch was in hand at the kill"
    assert 0 < sum((await verdict_events(sessions)).values()) < total
    assert (await delivered(client, receipts)) == Counter()

    await client.clear_faults()
    worker.start("--batch-size", "50", "--rate", "200")

    async def all_notified() -> bool:
        return await count(sessions, notified()) == total and await count(sessions, unsent()) == 0

    await wait_until(all_notified, timeout=120, worker=worker)
    assert worker.stop() == 0
    assert await verdict_events(sessions) == {ballot_id: 1 for ballot_id in (await verdict_events(sessions))}
    assert len(await verdict_events(sessions)) == total
    seen = await delivered(client, receipts)
    assert set(seen) == set(receipts) and set(seen.values()) == {1}


async def test_a_worker_killed_while_sending_loses_no_notice(stand, town):
    sessions, vault, client, worker = stand
    receipts = await cast_many(sessions, vault, town, client, polls=25)
    total, rate = len(receipts), 20
    worker.start("--batch-size", "50", "--rate", str(rate))

    async def some_sent() -> bool:
        return len([c for c in await client.calls("sendMessage") if c["status"] == 200]) >= 40

    await wait_until(some_sent, timeout=60, worker=worker)
    worker.kill()
    assert await count(sessions, unsent()) > 0, "every notice was out before the kill"

    worker.start("--rate", "200")

    async def all_sent() -> bool:
        return await count(sessions, unsent()) == 0

    await wait_until(all_sent, timeout=120, worker=worker)
    assert worker.stop() == 0
    assert len(await verdict_events(sessions)) == total
    assert set((await verdict_events(sessions)).values()) == {1}
    seen = await delivered(client, receipts)
    assert set(seen) == set(receipts)  # nobody's notice is lost
    # only a notice on the wire at the kill can arrive twice: at most one claim's worth
    assert sum(seen.values()) - total <= rate
