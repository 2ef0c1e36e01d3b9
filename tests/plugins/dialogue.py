"""The real bot, on a real database with the 4,543 houses, polling the sandbox: for dialogue tests."""
from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.demo import HOUSES_CSV
from bot.runners import Application, application, verification_running
from sandbox.client import SandboxClient
from sandbox.runner import SandboxServer
from bot.settings import load_settings
from storage.database import create_engine, create_session_factory
from storage.house_import import migrated_with_houses
from storage.repositories import PollRepository
from tests.plugins.sandbox import SANDBOX_TOKEN, bot_polling
from verification.levels import Levels
from verification.validators import format_snils, snils_control_number


@dataclass(frozen=True)
class Person:
    """What a resident types into the bot, field by field."""

    flat: str = "12"
    full_name: str = "Петрова Анна Сергеевна"
    birth_date: str = "14.03.1975"
    passport: str = "45 12 345678"
    snils: str = ""
    fls: str = "1234567890"
    property_document: str = "77:01:0001013:4915"

    def answers(self) -> list[str]:
        return [self.flat, self.full_name, self.birth_date, self.passport, self.snils_text,
                self.fls, self.property_document]

    @property
    def snils_text(self) -> str:
        return self.snils or valid_snils("123456789")


def valid_snils(first_nine: str) -> str:
    return format_snils(first_nine + snils_control_number(first_nine))


def person(number: int) -> Person:
    """A distinct, valid person for load tests."""
    return Person(
        flat=str(number % 900 + 1), full_name="Иванова Мария Петровна",
        birth_date=f"{number % 28 + 1:02d}.0{number % 9 + 1}.19{50 + number % 40}",
        passport=f"45 {10 + number % 12:02d} {100000 + number:06d}",
        snils=valid_snils(f"{200000000 + number:09d}"), fls=f"{1000000000 + number}",
    )


@pytest.fixture(scope="session")
def houses_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with every house, made once and copied for each test."""
    import asyncio

    path = tmp_path_factory.mktemp("template") / "vote.sqlite3"

    asyncio.run(migrated_with_houses(f"sqlite+aiosqlite:///{path}", HOUSES_CSV))
    return path


@dataclass
class VotingStand:
    """Everything a dialogue test touches: the sandbox, the app and the open poll."""

    server: SandboxServer
    client: SandboxClient
    app: Application
    sessions: async_sessionmaker[AsyncSession]
    engine: AsyncEngine
    poll_id: int
    database_file: Path | None


async def open_poll(sessions, *, levels: Levels = Levels(), min_age: int = 18, title: str = "Реновация",
                    question: str = "Включить дом в программу реновации?", house_ids=None,
                    days: int = 30) -> int:
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        polls = PollRepository(session)
        poll = await polls.create(title=title, question=question, opens_at=now - timedelta(minutes=5),
                                  closes_at=now + timedelta(days=days), levels=levels, min_age=min_age,
                                  house_ids=house_ids)
        await polls.open(poll.id, now=now)
        return poll.id


@asynccontextmanager
async def voting_stand(database_file: Path, *, pii_keys: dict[str, str], redis_url: str = "",
                       fsm_prefix: str = "fsm", levels: Levels = Levels(),
                       server: SandboxServer | None = None, poll_id: int | None = None,
                       verification: bool = False, settings: dict | None = None) -> AsyncIterator[VotingStand]:
    """The real bot on `database_file` polling a sandbox (a fresh one unless `server` is given);
    `settings` overrides settings by name, e.g. {"admin_ids": [1]}."""
    url = f"sqlite+aiosqlite:///{database_file}"
    settings = load_settings(database_url=url, redis_url=redis_url, **pii_keys, **(settings or {}))
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    if poll_id is None:
        poll_id = await open_poll(sessions, levels=levels)
    own_server = server is None
    server = server or SandboxServer(host="127.0.0.1", port=0)
    if own_server:
        await server.start()
    try:
        async with SandboxClient(server.page_url, timeout=15.0) as client, application(
            settings, token=SANDBOX_TOKEN, api_url=server.url, engine=engine, fsm_prefix=fsm_prefix,
        ) as app, bot_polling(app.dispatcher, app.bot, server):
            if not verification:
                yield VotingStand(server, client, app, sessions, engine, poll_id, database_file)
                return
            async with verification_running(app, idle_sleep=0.1):
                yield VotingStand(server, client, app, sessions, engine, poll_id, database_file)
    finally:
        if own_server:
            await server.stop()
        await engine.dispose()


@pytest.fixture
async def stand(tmp_path: Path, houses_template: Path, pii_keys: dict[str, str]) -> AsyncIterator[VotingStand]:
    """The real bot with one open all-houses poll (levels identity=3, apartment=2) on SQLite."""
    database_file = tmp_path / "vote.sqlite3"
    shutil.copy(houses_template, database_file)
    async with voting_stand(database_file, pii_keys=pii_keys) as voting:
        yield voting
