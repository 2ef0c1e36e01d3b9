"""The made-up town the verification benchmark votes in: houses of the 2017 list, their demo
registries imported into a database, and ballots cast by each flat's owner (or tenant) through
`BallotRepository.cast`, as the dialogue stores them."""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.demo.registries import generate
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import Poll
from storage.pii import PiiVault
from storage.registry_import import import_registry
from storage.repositories import BallotRepository, HouseRepository, HouseRow, PollRepository, ResidentRepository
from verification.levels import Levels
from verification.validators import normalise_name_key

CAST_CHUNK = 2_000  # ballots per transaction


@dataclass
class Voter:
    unom: int
    values: dict[str, str]  # the sealed draft: field → normalised text
    levels: str
    expected: str  # counted | rejected


def voters_of(files: dict[str, Path]) -> list[Voter]:
    """The first owner (else the tenant) of each flat, with what they would type."""
    def rows(name: str) -> list[dict[str, str]]:
        with files[name].open(encoding="utf-8", newline="") as source:
            return list(csv.DictReader(source))

    def born(text: str) -> str:
        return datetime.strptime(text, "%d.%m.%Y").date().isoformat()

    passports = {(r["full_name"], r["birth_date"]): r for r in rows("mvd")}
    snils = {(r["full_name"], r["birth_date"]): r["snils"] for r in rows("pfr")}
    documents = {(r["owner_full_name"], r["owner_birth_date"]): r["document"] for r in rows("rosreestr")}
    flats: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows("eirc"):
        flats[(row["unom"], row["flat"])].append(row)
    voters = []
    for (unom, flat), people in flats.items():
        person = next((p for p in people if p["role"] == "owner"), None) or next(
            (p for p in people if p["role"] == "tenant"), None)
        if person is None:
            continue
        key = (person["full_name"], person["birth_date"])
        values = {"flat": flat, "full_name": person["full_name"], "birth_date": born(person["birth_date"]),
                  "passport": passports[key]["passport"], "snils": snils.get(key, "00000000000"),
                  "fls": person["fls"]}
        levels = "identity=3,apartment=1"
        if person["role"] == "owner":
            values["property_document"] = documents[key]
            levels = "identity=3,apartment=2"
        # the demo's inconsistencies: an invalid passport, a SNILS on record for someone else
        expected = "counted" if passports[key]["status"] == "valid" and key in snils else "rejected"
        voters.append(Voter(int(unom), values, levels, expected))
    return voters


async def build_town(url: str, vault: PiiVault, folder: Path, houses: list[tuple[int, str]],
                     flats_per_house: int) -> tuple[list[Voter], dict[str, Poll]]:
    """Migrates `url`, loads the houses and their made-up registries, opens a poll per level
    set; → the voters (one a flat) and the polls by levels."""
    summary = generate(houses, flats_per_house, seed=2017, out_dir=folder / "registries")
    await upgrade(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    try:
        async with sessions.begin() as session:
            await HouseRepository(session).upsert_many(HouseRow(unom=u, address=a) for u, a in houses)
            for name, path in summary.files.items():
                await import_registry(session, name, path, vault)
        polls = {}
        now = datetime.now(UTC)
        async with sessions.begin() as session:
            repository = PollRepository(session)
            for levels in ("identity=3,apartment=2", "identity=3,apartment=1"):
                poll = await repository.create(title=f"Реновация {levels}", question="Включить дом?",
                                               opens_at=now - timedelta(days=1),
                                               closes_at=now + timedelta(days=30), levels=Levels.parse(levels))
                polls[levels] = await repository.open(poll.id, now=now)
    finally:
        await engine.dispose()
    return voters_of(summary.files), polls


async def cast(sessions, vault: PiiVault, voters: list[Voter], polls: dict[str, Poll],
                first_telegram_id: int, *, one_account: bool = False) -> dict[int, str]:
    """Casts one ballot per voter → ballot id: expected verdict. Each voter has an account of
    their own, or (`one_account`, quicker to set up) one account votes for every flat."""
    expected = {}
    for start in range(0, len(voters), CAST_CHUNK):
        chunk = voters[start:start + CAST_CHUNK]
        async with sessions.begin() as session:
            residents = ResidentRepository(session)
            ballots = BallotRepository(session)
            houses = await HouseRepository(session).by_unoms(v.unom for v in chunk)  # kept in the session
            account = await residents.get_or_create(first_telegram_id, "ru") if one_account else None
            for number, voter in enumerate(chunk, start):
                values = voter.values
                resident = account or await residents.get_or_create(first_telegram_id + number, "ru")
                ballot = await ballots.cast(
                    polls[voter.levels], houses[voter.unom], values["flat"], resident, "yes",
                    person_hmac=vault.person_digest(normalise_name_key(values["full_name"]),
                                                    date.fromisoformat(values["birth_date"])),
                    identifiers={kind: vault.digest(kind, values[kind]) if kind in values else None
                                 for kind in ("passport", "snils", "fls", "property_document")},
                    sealed=vault.seal(values), at=datetime.now(UTC))
                expected[ballot.id] = voter.expected
    return expected
