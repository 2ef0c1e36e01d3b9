"""`python -m bench city [--residents N] [--ballots M]`: one bot process's memory at city scale.

A fresh PostgreSQL database: the 4,543 houses, one open poll over all of them and made-up
registries for the first houses (`bench.load.town`), then filled in SQL to N residents and M
ballots as the bot and the verification worker leave them: each ballot with its flat, personal
data (digests, a sealed blob), its events and, once decided, its sent verdict notice; each
consent with its log entry; the pending ballots queued by the database's own trigger.

One `python -m bot webhook` process (Redis, the sandbox in this process delivering by webhook)
is measured after start-up, then after traffic: new residents voting through the whole dialogue,
and residents among the N sending /status, /start and a word the bot does not understand. The
baseline, run next against the same database and Redis: a bare aiogram webhook bot
(`bench.bare_webhook`) taking as many updates. Goal: the bot's RSS ≤ 150 MB.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import BigInteger, DateTime, bindparam, text

from bench.load import REDIS, Steps, drop_database, fresh_database, rss_mb, town, vote
from bench.table import Row, render
from bench.topology import BotProcess, base_environment, free_port, until_ready
from sandbox.client import SandboxClient, SandboxError
from sandbox.runner import SandboxServer
from storage.database import create_engine
from storage.receipts import RECEIPT_ALPHABET, RECEIPT_LENGTH

TOKEN = "123456:BENCH-city-token"
SECRET = "bench-city-secret-0123456789abcdef"
GOAL_MB = 150
TELEGRAM_BASE = 6_000_000_000  # the filled residents' Telegram ids: base + 1 … base + N
NEW_RESIDENT_BASE = 5_000_000  # the voters of the traffic, as in bench.load
VOTING_DAYS = 10  # the filled ballots are spread over the poll's first days
SEALED_BYTES = 256  # `PiiVault.seal` of a whole dialogue's answers is about 250 bytes
UPDATES_A_VOTE = 14


def _receipt_code(number: str) -> str:
    """SQL for a receipt code made of `number`: its digits in the receipt alphabet, after a
    multiplication coprime to the base (so that neighbours do not look alike and none repeats)."""
    base = len(RECEIPT_ALPHABET)
    mixed = f"(({number})::bigint * 2654435761 % {base ** RECEIPT_LENGTH})"
    return " || ".join(f"substr('{RECEIPT_ALPHABET}', ({mixed} / {base ** k} % {base})::int + 1, 1)"
                       for k in range(RECEIPT_LENGTH))


def _digest(kind: str, column: str) -> str:
    """SQL for a unique 64-hex-digit stand-in of `PiiVault.digest(kind, …)`."""
    return f"md5('{kind}:' || {column}) || md5('{kind}+' || {column})"


# g: the filled resident's (and, for g ≤ M, their ballot's) number, 1-based
_HOUSES_NUMBERED = "numbered AS (SELECT id, address, row_number() OVER (ORDER BY id) - 1 AS n FROM houses)"
_FILL = (
    ("residents", """
        INSERT INTO residents (telegram_id, language, consent_at, announcements, created_at)
        SELECT :base + g, CASE WHEN g % 25 = 0 THEN 'en' ELSE 'ru' END,
               CASE WHEN g <= :ballots OR g % 4 <> 0 THEN :opens + (g % 1000) * interval '1 second' END,
               g % 10 <> 0, :opens + (g % 1000) * interval '1 second' - interval '1 minute'
        FROM generate_series(1, :residents) AS g"""),
    ("consent log", """
        INSERT INTO consent_events (resident_id, kind, at)
        SELECT id, 'granted', consent_at FROM residents WHERE consent_at IS NOT NULL AND telegram_id > :base"""),
    # one ballot a flat: flat numbers 1, 2, … in every house in turn
    ("flats", f"""
        WITH {_HOUSES_NUMBERED}
        INSERT INTO flats (house_id, number)
        SELECT h.id, ((g - 1) / :houses + 1)::text FROM generate_series(1, :ballots) AS g
        JOIN numbered h ON h.n = (g - 1) % :houses
        ON CONFLICT (house_id, number) DO NOTHING"""),
    # a tenth pending (the trigger queues their registry checks), a twentieth rejected
    ("ballots", f"""
        WITH {_HOUSES_NUMBERED}, cast_ AS (
            SELECT g, :opens + (:now - :opens) * (g::float8 / (:ballots + 1)) AS at,
                   CASE WHEN g % 20 < 2 THEN 'pending' WHEN g % 20 = 2 THEN 'rejected' ELSE 'counted' END
                       AS status
            FROM generate_series(1, :ballots) AS g)
        INSERT INTO ballots (poll_id, house_id, flat_id, resident_id, choice, receipt_code, status, reasons,
                             channel, person_hmac, age_band, gender, created_at, updated_at, verified_at)
        SELECT :poll, h.id, f.id, r.id, CASE WHEN c.g % 3 = 0 THEN 'no' ELSE 'yes' END,
               {_receipt_code("c.g")}, c.status,
               CASE WHEN c.status = 'rejected' THEN '["passport.invalid"]'::jsonb ELSE '[]'::jsonb END,
               'telegram', {_digest("person", "c.g")},
               (ARRAY['18–24', '25–34', '35–44', '45–59', '60–74', '75+'])[c.g % 6 + 1],
               CASE WHEN c.g % 2 = 0 THEN 'f' ELSE 'm' END, c.at,
               CASE WHEN c.status = 'pending' THEN c.at ELSE c.at + interval '2 minutes' END,
               CASE WHEN c.status = 'pending' THEN NULL ELSE c.at + interval '2 minutes' END
        FROM cast_ c
        JOIN numbered h ON h.n = (c.g - 1) % :houses
        JOIN flats f ON f.house_id = h.id AND f.number = ((c.g - 1) / :houses + 1)::text
        JOIN residents r ON r.telegram_id = :base + c.g"""),
    ("personal data", f"""
        INSERT INTO ballot_personal_data (ballot_id, passport_hmac, snils_hmac, fls_hmac,
                                          property_document_hmac, sealed, key_version)
        SELECT b.id, {_digest("passport", "b.id")}, {_digest("snils", "b.id")}, {_digest("fls", "b.id")},
               {_digest("property_document", "b.id")},
               decode(repeat(md5('sealed:' || b.id), {SEALED_BYTES // 16}), 'hex'), 1
        FROM ballots b JOIN residents r ON r.id = b.resident_id WHERE r.telegram_id > :base"""),
    ("cast events", """
        INSERT INTO ballot_events (ballot_id, at, kind, detail)
        SELECT b.id, b.created_at, 'cast', jsonb_build_object('choice', b.choice, 'channel', b.channel)
        FROM ballots b JOIN residents r ON r.id = b.resident_id WHERE r.telegram_id > :base ORDER BY b.id"""),
    # what `services.checking.verdict_detail` writes: each registry's answer, nobody's data
    ("verdict events", """
        INSERT INTO ballot_events (ballot_id, at, kind, detail)
        SELECT b.id, b.verified_at, 'verdict', jsonb_build_object(
            'outcome', b.status, 'reasons', b.reasons, 'attempt', 0,
            'evidence', (SELECT jsonb_agg(jsonb_build_object(
                'registry', registry, 'outcome',
                CASE WHEN b.status = 'rejected' AND registry = 'mvd' THEN 'mismatch' ELSE 'match' END,
                'fields', fields, 'detail', '{}'::jsonb, 'checked_at', b.verified_at))
                FROM (VALUES ('eirc', '["flat", "fls"]'::jsonb), ('mvd', '["passport"]'::jsonb),
                             ('pfr', '["snils"]'::jsonb), ('rosreestr', '["property_document"]'::jsonb))
                     AS asked (registry, fields)))
        FROM ballots b JOIN residents r ON r.id = b.resident_id
        WHERE r.telegram_id > :base AND b.status <> 'pending' ORDER BY b.id"""),
    ("verdict notices", """
        INSERT INTO outbox (chat_id, kind, payload, dedupe_key, created_at, next_attempt_at, sent_at, attempts)
        SELECT r.telegram_id, 'verdict', jsonb_build_object(
                   'ballot_id', b.id, 'receipt', b.receipt_code, 'poll', p.title, 'house', h.address,
                   'flat', f.number, 'outcome', b.status, 'reasons', b.reasons),
               'verdict:' || b.id || :lease, b.verified_at, b.verified_at,
               b.verified_at + interval '2 seconds', 1
        FROM ballots b JOIN residents r ON r.id = b.resident_id JOIN polls p ON p.id = b.poll_id
        JOIN houses h ON h.id = b.house_id JOIN flats f ON f.id = b.flat_id
        WHERE r.telegram_id > :base AND b.status <> 'pending' ORDER BY b.id"""),
    ("notified events", """
        INSERT INTO ballot_events (ballot_id, at, kind, detail)
        SELECT (o.payload ->> 'ballot_id')::int, o.sent_at, 'notified',
               jsonb_build_object('notice_id', o.id, 'message_id', 2 + o.id % 50)
        FROM outbox o WHERE o.dedupe_key LIKE 'verdict:%' || :lease ORDER BY o.id"""),
)


# asyncpg must be told these: `:base + g` would otherwise be taken for an int4
_TYPED = (bindparam("base", type_=BigInteger), bindparam("opens", type_=DateTime(timezone=True)),
          bindparam("now", type_=DateTime(timezone=True)))


async def fill(url: str, *, residents: int, ballots: int) -> dict[str, float]:
    """The residents and ballots written straight in SQL; seconds each part took."""
    engine = create_engine(url)
    spent: dict[str, float] = {}
    try:
        async with engine.begin() as connection:
            poll = await connection.scalar(text("SELECT id FROM polls"))
            houses = await connection.scalar(text("SELECT count(*) FROM houses"))
            now = datetime.now(UTC)
            opens = now - timedelta(days=VOTING_DAYS)
            # the ballots were cast over the poll's first days: it must have been open since then
            await connection.execute(text("UPDATE polls SET opens_at = :opens, created_at = :opens"),
                                     {"opens": opens - timedelta(hours=1)})
            values = {"base": TELEGRAM_BASE, "residents": residents, "ballots": ballots, "poll": poll,
                      "houses": houses, "now": now - timedelta(minutes=10), "opens": opens,
                      "lease": ":filled"}  # the verdict notices' dedupe keys: verdict:<ballot>:<round>
            await connection.execute(text("SET LOCAL synchronous_commit = off"))
            for name, statement in _FILL:
                started = time.perf_counter()
                typed = [param for param in _TYPED if f":{param.key}" in statement]
                await connection.execute(text(statement).bindparams(*typed), values)
                spent[name] = time.perf_counter() - started
                print(f"  {name}: {spent[name]:.1f} s", file=sys.stderr, flush=True)
        started = time.perf_counter()
        async with engine.connect() as connection:  # as autovacuum would: plans for tables this size
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
        spent["vacuum analyze"] = time.perf_counter() - started
    finally:
        await engine.dispose()
    return spent


async def sizes(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            found = {table: await connection.scalar(text(f"SELECT count(*) FROM {table}"))
                     for table in ("residents", "ballots", "flats", "ballot_events", "outbox", "registry_checks")}
            found["bytes"] = await connection.scalar(text("SELECT pg_database_size(current_database())"))
    finally:
        await engine.dispose()
    return found


async def existing_residents(url: str, *, with_ballots: int, without: int, ballots: int,
                             residents: int) -> tuple[list[tuple[int, str]], list[int]]:
    """Filled residents to write to the bot: some holding a ballot (with its receipt), some not."""
    draw = random.Random(2017)
    holders = draw.sample(range(1, ballots + 1), min(with_ballots, ballots))
    others = draw.sample(range(ballots + 1, residents + 1), min(without, residents - ballots))
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            receipts = (await connection.execute(text(
                "SELECT r.telegram_id, b.receipt_code FROM ballots b JOIN residents r ON r.id = b.resident_id "
                "WHERE r.telegram_id = ANY(:ids)"), {"ids": [TELEGRAM_BASE + g for g in holders]})).all()
    finally:
        await engine.dispose()
    return [tuple(row) for row in receipts], [TELEGRAM_BASE + g for g in others]


def peak_mb(pid: int) -> float:
    """A process's highest resident memory so far (Linux VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _in_lanes(count: int, lanes: int, one: Callable[[int], Awaitable[None]]) -> None:
    gate = asyncio.Semaphore(lanes)

    async def gated(n: int) -> None:
        async with gate:
            await one(n)

    await asyncio.gather(*(gated(n) for n in range(count)))


async def _bot(folder: Path, server: SandboxServer, url: str, keys: dict[str, str], *, bare: bool) -> BotProcess:
    port = free_port()
    env = base_environment(folder, DATABASE_URL=url, REDIS_URL=REDIS, REDIS_PREFIX=f"city{secrets.token_hex(3)}",
                           BOT_TOKEN=TOKEN, BOT_API_URL=server.url, WEBHOOK_SECRET=SECRET,
                           WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/updates",
                           WEBHOOK_LISTEN=f"127.0.0.1:{port}", **keys)
    module, argv = ("bench.bare_webhook", []) if bare else ("bot", ["webhook", "--wait", "30"])
    process = BotProcess(folder, module, argv, env, module=module)
    process.start()
    async with aiohttp.ClientSession() as http:
        await until_ready(http, f"http://127.0.0.1:{port}", process)
        if bare:  # the real bot registers its webhook itself
            await http.post(f"{server.url}/bot{TOKEN}/setWebhook",
                            json={"url": env["WEBHOOK_URL"], "secret_token": SECRET})
    await asyncio.sleep(1.0)  # start-up's last allocations settle before the first reading
    return process


async def _measure_bare(folder: Path, server: SandboxServer, url: str, keys: dict[str, str],
                        updates: int) -> dict[str, float]:
    process = await _bot(folder, server, url, keys, bare=True)
    try:
        started_mb = rss_mb(process.process.pid)
        async with SandboxClient(server.page_url, timeout=60.0, settle=0.02) as client:
            people = -(-updates // UPDATES_A_VOTE)

            async def one(n: int) -> None:
                steps = Steps(client.user(NEW_RESIDENT_BASE + 900_000 + n, f"Житель {n}"), [])
                for step in range(min(UPDATES_A_VOTE, updates - n * UPDATES_A_VOTE)):
                    await steps.send(f"step {step}")

            await _in_lanes(people, 10, one)
        return {"start": started_mb, "after": rss_mb(process.process.pid), "peak": peak_mb(process.process.pid)}
    finally:
        await process.stop()


async def _measure_bot(folder: Path, server: SandboxServer, url: str, keys: dict[str, str],
                       voters: list[dict[str, str]], holders: list[tuple[int, str]],
                       others: list[int]) -> dict:
    process = await _bot(folder, server, url, keys, bare=False)
    latencies: list[float] = []
    found = {"receipts": 0, "status_shown": 0, "already_voted_shown": 0}
    try:
        started_mb = rss_mb(process.process.pid)
        started = time.perf_counter()
        async with SandboxClient(server.page_url, timeout=60.0, settle=0.02) as client:
            async def new_voter(n: int) -> None:
                steps = Steps(client.user(NEW_RESIDENT_BASE + n, f"Житель {n}"), latencies)
                shown = await vote(steps, voters[n])
                found["receipts"] += shown is not None

            async def holder(n: int) -> None:
                telegram_id, receipt = holders[n]
                steps = Steps(client.user(telegram_id, f"Горожанин {n}"), latencies)
                listed = await steps.send("/status")
                found["status_shown"] += receipt in (listed.text or "")
                await steps.send("/start")  # the greeting, then the one open poll: voted in, their ballot
                try:
                    await steps.user.wait_for(lambda m: m.id > listed.id and receipt in m.text, timeout=30)
                    found["already_voted_shown"] += 1
                except SandboxError:
                    pass
                await steps.send("когда будут итоги?")  # understood by no dialogue step: the fallback

            async def newcomer(n: int) -> None:
                steps = Steps(client.user(others[n], f"Сосед {n}"), latencies)
                await steps.send("/start")
                await steps.send("/status")

            await _in_lanes(len(voters), 10, new_voter)
            await _in_lanes(len(holders), 10, holder)
            await _in_lanes(len(others), 10, newcomer)
        spent = time.perf_counter() - started
        return {"start": started_mb, "after": rss_mb(process.process.pid), "peak": peak_mb(process.process.pid),
                "latencies": latencies, "spent": spent, **found}
    finally:
        await process.stop()


def _verdict(mb: float) -> str:
    return f"{mb:.0f} MB, goal ≤ {GOAL_MB} MB: {'met' if mb <= GOAL_MB else 'not met'}"


async def measure(*, residents: int, ballots: int, voters: int, holders: int, newcomers: int) -> dict:
    if not 0 < ballots <= residents:
        raise SystemExit("--ballots must be between 1 and --residents")
    folder = Path(tempfile.mkdtemp(prefix="bench-city-"))
    keys = {"PII_HMAC_KEY": secrets.token_hex(32), "PII_ENCRYPTION_KEY": secrets.token_hex(32)}
    url = await fresh_database()
    try:
        began = time.perf_counter()
        people = await town(url, folder, voters, keys)
        await fill(url, residents=residents, ballots=ballots)
        filled_in = time.perf_counter() - began
        found = await sizes(url)
        chosen, others = await existing_residents(url, with_ballots=holders, without=newcomers,
                                                  ballots=ballots, residents=residents)
        async with SandboxServer(host="127.0.0.1", port=0) as server:
            ours = await _measure_bot(folder, server, url, keys, people, chosen, others)
            bare = await _measure_bare(folder, server, url, keys, len(ours["latencies"]))
    finally:
        await drop_database(url)
    return {"sizes": found, "filled_in": filled_in, "ours": ours, "bare": bare,
            "holders": len(chosen), "newcomers": len(others), "voters": voters}


async def rows(*, residents: int = 1_000_000, ballots: int = 400_000, voters: int = 100, holders: int = 200,
               newcomers: int = 100) -> list[Row]:
    run = await measure(residents=residents, ballots=ballots, voters=voters, holders=holders, newcomers=newcomers)
    size, ours, bare = run["sizes"], run["ours"], run["bare"]
    database = (f"{size['residents']:,} residents, {size['ballots']:,} ballots ({size['registry_checks']:,} "
                f"pending checks), {size['ballot_events']:,} ballot events, pg_database_size "
                f"{size['bytes'] / 2 ** 30:.2f} GB; filled in {run['filled_in']:.0f} s")
    traffic = (f"{run['voters']} whole votes, {run['holders']} holders of ballots (/status, /start, a stray word), "
               f"{run['newcomers']} residents without one (/start, /status)")
    updates = len(ours["latencies"])
    shown = (f"receipts {ours['receipts']}/{run['voters']}; /status showed the holder's receipt "
             f"{ours['status_shown']}/{run['holders']}, /start {ours['already_voted_shown']}/{run['holders']}")
    baseline = f"bare aiogram webhook bot: {bare['after']:.0f} MB"
    return [
        Row(f"one bot process (python -m bot webhook), RSS after start-up; city database: {database}",
            size["residents"],
            accuracy=_verdict(ours["start"]), baseline=f"bare aiogram webhook bot: {bare['start']:.0f} MB",
            ratio=ours["start"] / bare["start"]),
        Row(f"the same process, RSS after {updates:,} updates: {traffic}", updates,
            per_second=updates / ours["spent"], p50_ms=statistics.median(ours["latencies"]),
            p99_ms=sorted(ours["latencies"])[int(0.99 * (updates - 1))],
            accuracy=f"{_verdict(ours['after'])}; {shown}", baseline=baseline, ratio=ours["after"] / bare["after"]),
        Row("the same process, peak RSS (VmHWM)", updates, accuracy=_verdict(ours["peak"]),
            baseline=f"bare aiogram webhook bot: {bare['peak']:.0f} MB", ratio=ours["peak"] / bare["peak"]),
        Row(f"baseline: bare aiogram webhook bot (bench.bare_webhook), same database and Redis, RSS after "
            f"{updates:,} updates (start-up {bare['start']:.0f} MB, peak {bare['peak']:.0f} MB)", updates,
            accuracy=f"{bare['after']:.0f} MB"),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench city", description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--ballots", type=int, default=400_000)
    parser.add_argument("--voters", type=int, default=100, help="new residents voting through the dialogue")
    parser.add_argument("--holders", type=int, default=200, help="filled residents with a ballot writing")
    parser.add_argument("--newcomers", type=int, default=100, help="filled residents without a ballot writing")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    found = asyncio.run(rows(residents=args.residents, ballots=args.ballots, voters=args.voters,
                             holders=args.holders, newcomers=args.newcomers))
    print(render(found, markdown=args.markdown))
    print(f"wall time {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
