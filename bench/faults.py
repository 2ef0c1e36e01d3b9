"""`python -m bench faults`: whole votes through the production topology while it is hurt.

Per database (SQLite, PostgreSQL or both) the stand of `bench.stand`: webhook bot processes
behind a balancer, a worker asking the agency gateway stand-in, a Redis and (on PostgreSQL) a
cluster of their own. `--votes` residents vote through the whole dialogue, `--concurrency` at a
time, each as a person would (`bench.residents`). At seeded random numbers of votes completed:
kill -9 of a bot process or of the worker (started again at once, as a supervisor would, while
the votes go on), a Redis restart (empty again), a PostgreSQL crash and restart (PostgreSQL
only), every registry down for a few seconds (HTTP 503; the ballots asked meanwhile stay pending
and are asked again). Then the faults stop, every ballot's verdict and notice is waited for, and
the figures are read from the database and the residents' chats: receipts shown without a
ballot (lost) and ballots verified twice (double) must be 0; the exit code is 1 otherwise.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from bench.residents import RECEIPT, Effort, Resident, receipt_in
from bench.stand import Stand, stand_up
from bench.table import Row, render
from sandbox.client import SandboxClient, SeenMessage
from storage.database import create_engine, create_session_factory
from storage.models import Ballot, BallotEvent, BallotStatus, EventKind, OutboxMessage, Resident as ResidentRow

BOT_KILL, WORKER_KILL, REDIS, POSTGRES, REGISTRY = (
    "bot kill -9", "worker kill -9", "Redis restart", "PostgreSQL restart", "registry down")
KINDS = (BOT_KILL, WORKER_KILL, REDIS, POSTGRES, REGISTRY)
PER_THOUSAND = {BOT_KILL: 4, WORKER_KILL: 4, REDIS: 2, POSTGRES: 3, REGISTRY: 3}  # faults per 1,000 votes
NOTICE_OPENINGS = ("✅ Ваш голос по дому", "❌ Ваш голос по дому")


def schedule(database: str, votes: int, seed: int) -> list[tuple[int, str]]:
    """(votes completed, fault) pairs, seeded, between 5 % and 80 % of the votes."""
    rng = random.Random(seed)
    kinds = [kind for kind in KINDS if kind != POSTGRES or database == "postgres"
             for _ in range(max(1, round(PER_THOUSAND[kind] * votes / 1000)))]
    rng.shuffle(kinds)
    low, high = max(1, votes // 20), max(2, votes * 4 // 5)
    points = sorted(rng.choices(range(low, high), k=len(kinds)))
    return list(zip(points, kinds))


@dataclass
class Injected:
    kind: str
    at_vote: int
    seconds: float  # from the fault to the stand's recovery


@dataclass
class Run:
    database: str
    bots: int
    votes: int
    concurrency: int
    spent: float = 0.0
    settled_in: float | None = None  # seconds after the votes until every verdict and notice was out
    injected: list[Injected] = field(default_factory=list)
    efforts: list[Effort] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)
    registry_refusals: int = 0  # requests the gateway answered 503 while a registry was down
    folder: Path | None = None
    phases: dict[str, float] = field(default_factory=dict)  # seconds: stand up, votes, wait, tear down

    @property
    def failed(self) -> bool:
        return self.figures.get("lost", 0) > 0 or self.figures.get("double", 0) > 0


async def inject(stand: Stand, plan: list[tuple[int, str]], done: list[int], run: Run, rng: random.Random) -> None:
    """Each fault once `done[0]` votes are completed. A killed process is started again in the
    background while the votes and the next faults go on, and so runs a registry outage; a
    Redis or PostgreSQL restart waits for the processes' restarts first, so that no process
    starts while its database or Redis is down (it would refuse to start, by design)."""
    restarts: set[asyncio.Task] = set()
    outages: set[asyncio.Task] = set()
    begun = time.monotonic()

    async def timed(kind: str, planned: int, fault: Awaitable[None]) -> None:
        started, at_vote = time.monotonic(), done[0]  # a fault may come later than planned, never sooner
        await fault
        run.injected.append(Injected(kind, at_vote, time.monotonic() - started))
        print(f"  {stand.database}: {kind} at vote {at_vote} (planned {planned}) at {started - begun:.1f} s, "
              f"recovered in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)

    for at_vote, kind in plan:
        while done[0] < at_vote:
            await asyncio.sleep(0.05)
        if kind == BOT_KILL:
            running = [n for n, bot in enumerate(stand.bots) if not stand.restarting(bot)]
            if not running:
                await asyncio.gather(*restarts)
                running = list(range(len(stand.bots)))
            restarts.add(asyncio.create_task(timed(kind, at_vote, stand.kill_bot(rng.choice(running)))))
        elif kind == WORKER_KILL:
            if stand.restarting(stand.worker):
                await asyncio.gather(*restarts)
            restarts.add(asyncio.create_task(timed(kind, at_vote, stand.kill_worker())))
        elif kind == REGISTRY:  # the agency's outage: nothing of ours is down, the votes go on
            await asyncio.gather(*outages)  # one outage at a time: each ends when it should
            outages = {asyncio.create_task(timed(kind, at_vote, stand.registry_down()))}
        else:
            await asyncio.gather(*restarts)
            await timed(kind, at_vote, stand.restart_redis() if kind == REDIS else stand.restart_postgres())
        restarts = {task for task in restarts if not task.done()}
        await asyncio.sleep(0)  # a kill happens now, not at the next fault's turn
    await asyncio.gather(*restarts, *outages)


async def settle(stand: Stand, timeout: float) -> float | None:
    """Seconds until no ballot is pending and every notice is sent; None if `timeout` passed first."""
    engine = create_engine(stand.url, pool_pre_ping=True)
    sessions = create_session_factory(engine)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            try:
                async with sessions() as session:
                    pending = await session.scalar(select(func.count()).select_from(Ballot)
                                                   .where(Ballot.status == BallotStatus.PENDING))
                    unsent = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                                  .where(OutboxMessage.sent_at.is_(None)))
                if pending == 0 and unsent == 0:
                    return time.monotonic() - started
            except Exception:  # the database may be recovering still; look again
                pass
            await asyncio.sleep(0.25)
        return None
    finally:
        await engine.dispose()


def _shown(messages: list[SeenMessage]) -> tuple[set[str], Counter]:
    """Receipt codes a chat showed, and how many verdict notices it got for each."""
    codes, notices = set(), Counter()
    for message in messages:
        code = receipt_in(message)
        if code is None:
            continue
        codes.add(code)
        if message.text.startswith(NOTICE_OPENINGS):
            notices[RECEIPT.search(message.text).group(1)] += 1
    return codes, notices


async def measure(stand: Stand, chat_ids: list[int]) -> dict[str, int]:
    """The invariants, from the database and from what each resident's chat shows."""
    engine = create_engine(stand.url)
    try:
        async with create_session_factory(engine)() as session:
            ballots = (await session.execute(
                select(Ballot.id, Ballot.receipt_code, Ballot.flat_id, Ballot.status, ResidentRow.telegram_id)
                .join(ResidentRow, ResidentRow.id == Ballot.resident_id))).all()
            verdicts = Counter(dict((await session.execute(
                select(BallotEvent.ballot_id, func.count()).where(BallotEvent.kind == EventKind.VERDICT)
                .group_by(BallotEvent.ballot_id))).all()))
    finally:
        await engine.dispose()
    owned: dict[int, set[str]] = {}
    for ballot in ballots:
        owned.setdefault(ballot.telegram_id, set()).add(ballot.receipt_code)
    shown_by_chat, notices = {}, Counter()
    for chat_id in chat_ids:
        chat = stand.server.sandbox.chats.get(chat_id)
        messages = [SeenMessage(m.message_id, True, m.text or "") for m in chat.messages.values()
                    if m.from_bot] if chat is not None else []
        shown_by_chat[chat_id], delivered = _shown(messages)
        notices.update(delivered)
    codes_shown = set().union(*shown_by_chat.values())
    decided = [b for b in ballots if b.status != BallotStatus.PENDING]
    return {
        "attempted": len(chat_ids),
        "shown": sum(1 for codes in shown_by_chat.values() if codes),
        "stored": len(ballots),
        "lost": sum(len(codes - owned.get(chat_id, set())) for chat_id, codes in shown_by_chat.items()),
        "never shown": sum(1 for b in ballots if b.receipt_code not in codes_shown),
        "two ballots": (sum(1 for codes in owned.values() if len(codes) > 1)
                        + sum(1 for n in Counter(b.flat_id for b in ballots).values() if n > 1)),
        "double": sum(1 for b in ballots if verdicts[b.id] > 1),
        "counted": sum(1 for b in ballots if b.status == BallotStatus.COUNTED),
        "rejected": sum(1 for b in ballots if b.status == BallotStatus.REJECTED),
        "pending": sum(1 for b in ballots if b.status == BallotStatus.PENDING),
        "notified once": sum(1 for b in decided if notices[b.receipt_code] == 1),
        "notified twice or more": sum(1 for b in decided if notices[b.receipt_code] > 1),
        "never notified": sum(1 for b in decided if notices[b.receipt_code] == 0),
        "gave up": sum(1 for codes in shown_by_chat.values() if not codes),
    }


async def profile(database: str, *, votes: int, concurrency: int, seed: int, bots: int | None = None,
                  plan: list[tuple[int, str]] | None = None, houses: int | None = None,
                  settle_timeout: float = 180.0, step_timeout: float = 30.0, patience: float = 300.0,
                  keep: bool = False) -> Run:
    """One database's run: the stand, the votes with the faults, the wait, the figures."""
    bots = bots or 2
    run = Run(database, bots, votes, concurrency)
    plan = schedule(database, votes, seed) if plan is None else plan
    folder = Path(tempfile.mkdtemp(prefix=f"bench-faults-{database}-"))
    rng = random.Random(seed)
    begun = time.perf_counter()
    async with stand_up(database, folder, votes, bots=bots, houses=houses) as stand:
        run.phases["stand up"] = time.perf_counter() - begun
        supervisor = asyncio.create_task(stand.supervise())
        done, lanes = [0], asyncio.Semaphore(concurrency)
        try:
            async with SandboxClient(stand.server.page_url, timeout=step_timeout, settle=0.05) as client:
                users = [client.user(5_000_000 + n, f"Житель {n}") for n in range(votes)]

                async def one(n: int) -> None:
                    async with lanes:
                        resident = Resident(users[n], stand.people[n], run.latencies, step_timeout=step_timeout,
                                            patience=patience, rng=random.Random(seed * 1_000_003 + n))
                        await resident.vote()
                        run.efforts.append(resident.effort)
                        done[0] += 1

                started = time.perf_counter()
                faults = asyncio.create_task(inject(stand, plan, done, run, rng))
                await asyncio.gather(*(one(n) for n in range(votes)))
                run.spent = time.perf_counter() - started
                await faults
            run.settled_in = await settle(stand, settle_timeout)
            run.figures = await measure(stand, [user.id for user in users])
        finally:
            supervisor.cancel()
            run.unexpected = list(stand.unexpected)
            run.registry_refusals = stand.gateway.failed
            if run.failed or run.unexpected or run.settled_in is None:
                (folder / "logs.txt").write_text(stand.logs())
            torn = time.perf_counter()
    run.phases.update({"votes": run.spent, "wait": run.settled_in or settle_timeout,
                       "tear down": time.perf_counter() - torn})
    print(f"  {database}: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in run.phases.items()),
          file=sys.stderr, flush=True)
    if keep or run.failed or run.unexpected or run.settled_in is None:
        run.folder = folder  # the processes' logs stay for a look
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return run


def _percentile(values: list[float], share: float) -> float | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


def rows(run: Run) -> list[Row]:
    """One row for the votes, one per fault kind, one per invariant figure."""
    f, db = run.figures, {"sqlite": "SQLite", "postgres": "PostgreSQL"}[run.database]
    effort = Effort(*(sum(getattr(e, name) for e in run.efforts) for name in ("steps", "repeats", "silences",
                                                                              "restarts")))
    settled = "not within the wait" if run.settled_in is None else f"{run.settled_in:.1f} s"
    found = [Row(f"faults, {db}: votes through {run.bots} webhook bots and a worker, {run.concurrency} at once",
                 run.votes, per_second=f.get("shown", 0) / run.spent if run.spent else None,
                 p50_ms=statistics.median(run.latencies) if run.latencies else None,
                 p99_ms=_percentile(run.latencies, 0.99),
                 accuracy=f"{effort.steps:,} steps; {effort.repeats} repeated after «busy», {effort.silences} "
                          f"unanswered in time, {effort.restarts} starts over; verdicts and notices out "
                          f"{settled} after the last vote")]
    for kind in KINDS:
        mine = [i for i in run.injected if i.kind == kind]
        if mine:
            refused = f"; {run.registry_refusals} requests answered 503" if kind == REGISTRY else ""
            found.append(Row(f"faults, {db}: {kind}", len(mine), accuracy=(
                f"at votes {', '.join(str(i.at_vote) for i in mine)}; recovered in "
                f"{statistics.mean(i.seconds for i in mine):.1f} s on average{refused}")))
    labels = (("attempted", "votes attempted"), ("shown", "receipts shown"), ("stored", "ballots stored"),
              ("lost", "receipts shown without a ballot (lost, must be 0)"),
              ("never shown", "ballots never shown to their resident"),
              ("two ballots", "residents or flats with two ballots"),
              ("double", "ballots verified more than once (double, must be 0)"),
              ("counted", "ballots counted"), ("rejected", "ballots rejected"), ("pending", "ballots still pending"),
              ("notified once", "verdict notices delivered once"),
              ("notified twice or more", "verdict notices delivered twice (on the wire at a kill)"),
              ("never notified", "verdicts never notified"), ("gave up", "residents who gave up (no receipt)"))
    found += [Row(f"faults, {db}: {label}", f.get(key, 0)) for key, label in labels]
    if run.unexpected:
        found.append(Row(f"faults, {db}: processes that ended by themselves", len(run.unexpected),
                         accuracy="; ".join(run.unexpected)[:300]))
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--votes", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20, help="residents in the dialogue at once")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--bots", type=int, help="webhook bot processes (default 2)")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the processes' logs (kept anyway on a failure)")
    args = parser.parse_args(argv)
    databases = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    runs = []
    for database in databases:
        print(f"faults on {database}: {args.votes} votes ...", file=sys.stderr, flush=True)
        runs.append(asyncio.run(profile(database, votes=args.votes, concurrency=args.concurrency,
                                        seed=args.seed, bots=args.bots, keep=args.keep)))
    print(render([row for run in runs for row in rows(run)], markdown=args.markdown))
    for run in runs:
        seen = Counter(why for effort in run.efforts for why in effort.why)
        print(f"{run.database}: starts over, by what the resident saw: "
              + "; ".join(f"{count}× {why}" for why, count in seen.most_common(8)), file=sys.stderr)
        if run.folder is not None:
            print(f"{run.database}: the processes' logs are in {run.folder}", file=sys.stderr)
    return 1 if any(run.failed for run in runs) else 0
