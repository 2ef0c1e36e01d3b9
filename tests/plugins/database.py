"""Real databases for storage tests: every test runs on SQLite and on PostgreSQL.

`database` yields a fresh, empty, unmigrated place: a SQLite file in tmp_path, or a
PostgreSQL schema `t_<hex>` (set as the connection's search_path) dropped afterwards.
`engine` is migrated to head; `sessions` is its session factory.
"""
from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.demo import HOUSES_CSV  # noqa: F401  (the storage tests import it from here)
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import House, Poll, Resident
from storage.pii import PiiVault
from storage.repositories import HouseRepository, HouseRow, PollRepository, ResidentRepository


@dataclass
class Database:
    backend: str
    url: str
    schema: str | None = None
    sqlite_file: Path | None = None

    def engine(self) -> AsyncEngine:
        return create_engine(self.url, schema=self.schema)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "db" / "vote.sqlite3"
        yield Database("sqlite", f"sqlite+aiosqlite:///{path}", sqlite_file=path)
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(url)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f"CREATE SCHEMA {schema}"))
        yield Database("postgresql", url, schema=schema)
    finally:
        async with admin.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        await admin.dispose()


@pytest.fixture
async def engine(database: Database) -> AsyncIterator[AsyncEngine]:
    """An engine on a database migrated to the newest revision."""
    engine = database.engine()
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
def vault() -> PiiVault:
    return PiiVault(secrets.token_bytes(32), secrets.token_bytes(32))


@dataclass
class Scene:
    """Two houses, an open poll over both, and one resident: what a ballot needs."""

    houses: list[House]
    poll: Poll
    resident: Resident
    now: datetime

    @property
    def house(self) -> House:
        return self.houses[0]


@pytest.fixture
async def scene(sessions: async_sessionmaker[AsyncSession]) -> Scene:
    return await make_scene(sessions)


@pytest.fixture
def scene_factory():
    """`make_scene` for tests that build their own engine."""
    return make_scene


async def make_scene(sessions: async_sessionmaker[AsyncSession]) -> Scene:
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        await HouseRepository(session).upsert_many(
            [
                HouseRow(unom=101, address="улица Кубинка, дом 12, корпус 3", okrug="ЗАО", district="Можайский"),
                HouseRow(unom=102, address="улица Егора Абакумова, дом 3", okrug="СВАО", district="Ярославский"),
            ]
        )
        houses = list((await HouseRepository(session).by_unoms([101, 102])).values())
        polls = PollRepository(session)
        poll = await polls.create(
            title="Renovation",
            question="Include the house in the renovation programme?",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
        )
        poll = await polls.open(poll.id, now=now)
        resident = await ResidentRepository(session).get_or_create(5550001, "ru")
    return Scene(sorted(houses, key=lambda h: h.unom), poll, resident, now)


@dataclass
class Voter:
    """A person's data as the dialogue would hand it to storage (raw values for sealing)."""

    full_name: str = "Иванов Иван Иванович"
    birth_date: date = date(1960, 5, 17)
    passport: str = "4510123456"
    snils: str = "11223344595"
    fls: str = "1234567890"

    def cast_arguments(self, vault: PiiVault) -> dict[str, object]:
        return {
            "person_hmac": vault.person_digest(self.full_name.lower(), self.birth_date),
            "identifiers": {
                "passport": vault.digest("passport", self.passport),
                "snils": vault.digest("snils", self.snils),
                "fls": vault.digest("fls", self.fls),
            },
            "sealed": vault.seal(
                {"full_name": self.full_name, "birth_date": self.birth_date.isoformat(),
                 "passport": self.passport, "snils": self.snils, "fls": self.fls}
            ),
        }
