"""The whole count from the database to stored results, over the replayed 2017 vote.

The replay (4,543 houses, about 400,000 counted ballots) is written once into a SQLite file and
into a PostgreSQL schema; then each run reads the counted ballots, counts them by the poll's
rules and stores a publication with every house's result (the publication is removed again
between runs, so each run does the whole work). Goal: at most 3 s on each database.
"""
from __future__ import annotations

import secrets
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, text

from bench.table import Row
from board.audit import verify_board
from board.checkpoint import Signer
from board.files import write_board
from bot.demo import HOUSES_CSV
from bot.demo.replay2017 import replay
from bot.demo.replay_database import load_replay
from services.board import BoardDesk
from services.results import ResultsDesk
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.pii import PiiVault
from storage.publications import BoardEntry, HouseResultRow, Publication

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
RUNS = 3


async def _board(sessions, poll_id: int, label: str, folder: Path | None) -> list[Row]:
    """Publishing with the public board (rows appended, the log built, the checkpoint signed) and,
    with `folder`, the stand-alone verifier over the board's open data."""
    async with sessions.begin() as session:
        await session.execute(delete(BoardEntry))
        await session.execute(delete(HouseResultRow))
        await session.execute(delete(Publication))
    vault, signer = PiiVault(secrets.token_bytes(32), secrets.token_bytes(32)), Signer("bench.local", secrets.token_bytes(32))
    started = time.perf_counter()
    async with sessions() as session:
        publication, _new = await ResultsDesk(session, BoardDesk(session, vault, signer)).publish(poll_id, notify=False)
    took = time.perf_counter() - started
    rows = [Row(f"publish with the public board, 2017 replay, {label} ({took:.1f} s)", publication.board_size,
                per_second=publication.board_size / took)]
    if folder is not None:
        async with sessions() as session:
            data = await BoardDesk(session).open_data(poll_id)
        write_board(folder, vkey=data.vkey, rules_json=data.rules_json, rows=data.rows,
                    checkpoints=data.checkpoints, results=data.results)
        started = time.perf_counter()
        report = verify_board(folder)
        took = time.perf_counter() - started
        met = "met" if took <= 10 and report.ok else "not met"
        rows.append(Row(f"verify-board over the 2017 replay's open data ({took:.1f} s, goal ≤ 10 s: {met})",
                        report.checked.rows, per_second=report.checked.rows / took))
    return rows


async def _measure(engine, houses: list, label: str, folder: Path | None = None) -> list[Row]:
    await upgrade(engine)
    sessions = create_session_factory(engine)
    poll_id = await load_replay(sessions, HOUSES_CSV, houses)
    if engine.dialect.name == "postgresql":  # as autovacuum would have by now: the planner's statistics
        async with engine.begin() as connection:  # ANALYZE's statistics last only if committed
            await connection.execute(text("ANALYZE"))
    times, counted = [], 0
    for _ in range(RUNS):
        async with sessions.begin() as session:
            await session.execute(delete(BoardEntry))
            await session.execute(delete(HouseResultRow))
            await session.execute(delete(Publication))
        started = time.perf_counter()
        async with sessions() as session:
            publication, _new = await ResultsDesk(session).publish(poll_id)
        times.append(time.perf_counter() - started)
        counted = publication.totals["ballots_counted"]
    best = min(times)
    met = "met" if best <= 3.0 else "not met"
    return [Row(f"count from the database to stored results, 2017 replay, {label} (best of {RUNS}: "
                f"{best:.2f} s, goal ≤ 3 s: {met})", counted, per_second=counted / best),
            *await _board(sessions, poll_id, label, folder)]


async def rows() -> list[Row]:
    houses = list(replay(HOUSES_CSV))
    result = []
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'replay.sqlite3'}")
        try:
            result.extend(await _measure(engine, houses, "SQLite", Path(folder) / "board"))
        finally:
            await engine.dispose()
    schema = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f"CREATE SCHEMA {schema}"))
        engine = create_engine(POSTGRES_URL, schema=schema)
        try:
            result.extend(await _measure(engine, houses, "PostgreSQL"))
        finally:
            await engine.dispose()
    finally:
        async with admin.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        await admin.dispose()
    return result
