"""The sandbox's world: a migrated database, the 2017 houses, an open demo poll, demo keys, and
the 2017 vote replayed as a second, finished poll with published results."""
from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import update

from bot.demo import HOUSES_CSV
from bot.demo.registries import flats_in_a_house
from bot.demo.residents import FLATS_PER_HOUSE, load_demo_registries, residents_for_page
from bot.keys import vault_of
from bot.settings import VAR_DIR, Settings
from storage.database import create_engine, create_session_factory
from storage.house_import import import_houses
from storage.migrate import upgrade
from storage.models import House
from storage.repositories import HouseRepository, PollRepository

DEMO_REGISTRIES_DIR = VAR_DIR / "demo-registries"
DEMO_POLL_TITLE = "Программа реновации жилищного фонда"
DEMO_POLL_QUESTION = "Включить наш дом в программу реновации?"


@dataclass(frozen=True)
class DemoWorld:
    houses: int
    poll_id: int
    poll_created: bool
    residents: list[dict[str, str]] = field(default_factory=list)  # cards for the sandbox page


def sandbox_settings(settings: Settings, var_dir: Path = VAR_DIR) -> Settings:
    """Settings with PII and board keys: the configured ones, else keys kept for the sandbox under var/."""
    names = ("pii_hmac_key", "pii_encryption_key", "board_signing_key")
    if all(getattr(settings, name).get_secret_value() for name in names):
        return settings
    path = var_dir / "sandbox-keys.json"
    keys = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if any(name not in keys for name in names):  # a sandbox from before the board gets its key now
        var_dir.mkdir(parents=True, exist_ok=True)
        keys = {name: keys.get(name) or secrets.token_hex(32) for name in names}
        path.write_text(json.dumps(keys), encoding="utf-8")
        os.chmod(path, 0o600)
    # the PII keys come as a pair: one configured and one from var/ would match nothing
    taken = [] if settings.pii_hmac_key.get_secret_value() and settings.pii_encryption_key.get_secret_value() \
        else ["pii_hmac_key", "pii_encryption_key"]
    if not settings.board_signing_key.get_secret_value():
        taken.append("board_signing_key")
    return settings.model_copy(update={name: SecretStr(keys[name]) for name in taken})


def reset_database(settings: Settings) -> None:
    """Removes the sandbox's SQLite file (and its WAL companions) so it starts empty."""
    path = settings.sqlite_path()
    if path is None:
        raise ValueError("--reset only empties the embedded SQLite database")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def prepare_world(settings: Settings, *, now: datetime | None = None,
                        registries_dir: Path = DEMO_REGISTRIES_DIR) -> DemoWorld:
    """Migrates, loads the houses, opens the demo vote and fills the demo registries."""
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        sessions = create_session_factory(engine)
        world = await _houses_and_poll(sessions, now or datetime.now(timezone.utc))
        vault = vault_of(settings)
        summary = await load_demo_registries(sessions, vault, HOUSES_CSV, registries_dir)
        async with sessions() as session:
            poll = await PollRepository(session).get(world.poll_id)
            levels = str(poll.levels)
        return replace(world, residents=residents_for_page(summary, levels))
    finally:
        await engine.dispose()


async def _houses_and_poll(sessions, now: datetime) -> DemoWorld:
    async with sessions.begin() as session:
        houses = HouseRepository(session)
        if await houses.count() == 0:
            await import_houses(session, HOUSES_CSV)
        # the demo's made-up houses have a known size, so its count decides (the 2017 replay, when
        # it loads, puts the real houses' estimates in their place)
        await session.execute(update(House).where(House.flats_total.is_(None))
                              .values(flats_total=flats_in_a_house(FLATS_PER_HOUSE)))
        count = await houses.count()
        polls = PollRepository(session)
        existing = [p for p in await polls.list() if p.accepts_ballots_at(now)]
        if existing:
            return DemoWorld(count, existing[0].id, False)
        poll = await polls.create(
            title=DEMO_POLL_TITLE, question=DEMO_POLL_QUESTION,
            opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=60),
        )
        await polls.open(poll.id, now=now)
        return DemoWorld(count, poll.id, True)


def start_2017_vote(database_url: str) -> multiprocessing.process.BaseProcess:
    """Writes the replayed 2017 vote into the database and publishes it, in a process of its own.

    About 400,000 ballots take a minute or two: in another process (its own interpreter, so the
    bot's loop is not slowed) and in short transactions, so the bot beside it keeps answering. A
    daemon: it ends with the sandbox; cut short, it is redone at the next start.
    """
    process = multiprocessing.get_context("spawn").Process(
        target=_write_2017_vote, args=(database_url,), name="2017-vote", daemon=True)
    process.start()
    return process


def _write_2017_vote(database_url: str) -> None:
    from bot.demo.replay_database import ensure_replay
    from bot.keys import signer_of
    from bot.settings import load_settings

    settings = sandbox_settings(load_settings(database_url=database_url))  # the sandbox's own keys
    vault, signer = vault_of(settings), signer_of(settings)

    async def write() -> None:
        engine = create_engine(database_url)
        try:
            await ensure_replay(create_session_factory(engine), HOUSES_CSV, vault=vault, signer=signer)
        finally:
            await engine.dispose()

    asyncio.run(write())
