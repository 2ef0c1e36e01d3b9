"""The results site over a small published replay of the 2017 vote, on SQLite and on PostgreSQL.

Written once per test session (a few seconds each): some 330 of the 2017 houses (every one
decided otherwise, every one a general meeting decided, the houses of улица Кубинка, and every
twentieth), counted and published, its counted ballots on the signed public board; beside it an open poll with live turnout and one ballot being
checked, and a draft nobody may see. The site only reads, so every test shares them.
"""
from __future__ import annotations

import asyncio
import csv
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from board.checkpoint import Signer
from bot.demo import HOUSES_CSV
from bot.demo.replay2017 import replay
from bot.demo.replay_database import load_replay
from services.address_book import AddressBook
from services.board import BoardDesk
from services.results import ResultsDesk
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.pii import PiiVault
from storage.repositories import BallotRepository, HouseRepository, PollRepository, ResidentRepository
from tests.plugins.database import Voter
from tests.plugins.services import POSTGRES_URL, _require
from web.app import create_app

SPECIAL = {31676, 31677, 31683, 78100}  # decided otherwise in 2017: no decision
KUBINKA_12_3 = 12107  # улица Кубинка, дом 12, корпус 3
WAITING_HOUSE = 12105  # a house of the open poll: улица Кубинка, дом 12, корпус 1
BOARD_NAME = "test.local"  # the name the replay's board is signed by


@dataclass(frozen=True)
class SiteData:
    backend: str
    url: str
    schema: str | None
    replay_poll: int
    open_poll: int  # open, with live turnout: one ballot of WAITING_HOUSE is being checked
    quiet_poll: int  # open, without live turnout
    draft_poll: int
    houses: int

    def engine(self):
        return create_engine(self.url, schema=self.schema)


def write_sample(path: Path) -> Path:
    with HOUSES_CSV.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    chosen = [r for i, r in enumerate(rows) if int(r["unom"]) in SPECIAL or r["general_meeting_protocol"] == "1"
              or "Кубинка" in r["address"] or i % 20 == 0]
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(chosen)
    return path


async def _fill(url: str, schema: str | None, sample: Path, backend: str) -> SiteData:
    engine = create_engine(url, schema=schema)
    try:
        await upgrade(engine)
        sessions = create_session_factory(engine)
        houses = list(replay(sample))
        replay_poll = await load_replay(sessions, sample, houses)
        vault = PiiVault(secrets.token_bytes(32), secrets.token_bytes(32))
        signer = Signer(BOARD_NAME, secrets.token_bytes(32))
        async with sessions() as session:  # on the public board too: the check page reads it
            await ResultsDesk(session, BoardDesk(session, vault, signer)).publish(replay_poll)
        now = datetime.now(UTC)
        async with sessions.begin() as session:
            polls = PollRepository(session)
            waiting = await HouseRepository(session).by_unom(WAITING_HOUSE)
            poll = await polls.create(title="Двор", question="Сделать парковку во дворе?", house_ids=[waiting.id],
                                      opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30))
            await polls.open(poll.id, now=now)
            poll.live_turnout = True
            resident = await ResidentRepository(session).get_or_create(5550001, "ru")
            await BallotRepository(session).cast(poll=poll, house=waiting, flat_number="7", resident=resident,
                                                 choice="yes", at=now, **Voter().cast_arguments(vault))
            quiet = await polls.create(title="Подъезд", question="Покрасить подъезд?", house_ids=[waiting.id],
                                       opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30))
            await polls.open(quiet.id, now=now)
            draft = await polls.create(title="Черновик", question="Никому не видно?", opens_at=now,
                                       closes_at=now + timedelta(days=3))
            return SiteData(backend, url, schema, replay_poll, poll.id, quiet.id, draft.id, len(houses))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sample_csv(tmp_path_factory) -> Path:
    return write_sample(tmp_path_factory.mktemp("web") / "houses.csv")


@pytest.fixture(scope="session")
def sqlite_site(tmp_path_factory, sample_csv) -> SiteData:
    path = tmp_path_factory.mktemp("web-db") / "vote.sqlite3"
    return asyncio.run(_fill(f"sqlite+aiosqlite:///{path}", None, sample_csv, "sqlite"))


@pytest.fixture(scope="session")
def postgresql_site(sample_csv) -> Iterator[SiteData]:
    _require("PostgreSQL", "127.0.0.1", 5432)
    schema = f"t_{secrets.token_hex(6)}"

    async def schema_statement(statement: str) -> None:
        admin = create_engine(POSTGRES_URL)
        try:
            async with admin.begin() as connection:
                await connection.execute(text(statement))
        finally:
            await admin.dispose()

    asyncio.run(schema_statement(f"CREATE SCHEMA {schema}"))
    try:
        yield asyncio.run(_fill(POSTGRES_URL, schema, sample_csv, "postgresql"))
    finally:
        asyncio.run(schema_statement(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(request) -> SiteData:
    """The published replay on each database."""
    return request.getfixturevalue(f"{request.param}_site")


async def _client(data: SiteData) -> AsyncIterator[TestClient]:
    from bot.runners import houses_of_poll

    engine = data.engine()
    try:
        app = create_app(create_session_factory(engine), AddressBook(houses_of_poll))
        async with TestClient(TestServer(app)) as client:
            yield client
    finally:
        await engine.dispose()


@pytest.fixture
async def client(site: SiteData) -> AsyncIterator[TestClient]:
    """The site's test client on each database."""
    async for each in _client(site):
        yield each


@pytest.fixture
async def sqlite_client(sqlite_site: SiteData) -> AsyncIterator[TestClient]:
    async for each in _client(sqlite_site):
        yield each


@pytest.fixture
async def site_url(sqlite_site):
    """The site over the SQLite sample, served on a free port, for a browser to open."""
    from bot.runners import houses_of_poll
    from web.server import SiteServer

    engine = sqlite_site.engine()
    try:
        async with SiteServer(create_session_factory(engine), AddressBook(houses_of_poll)) as server:
            yield server.url
    finally:
        await engine.dispose()
