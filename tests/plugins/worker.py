"""A made-up town for verification tests: demo registry extracts imported into real tables,
polls at the three level sets the demo residents vote at, and ballots cast as residents type.

`town` is the demo-registries run (30 houses of the 2017 list, 4 flats each, seed 2017) with
its CSV rows; `Town.case(code)` is what a resident types to get each verdict. `settle(...)`
loads the houses and the four registries into a migrated database; `cast(...)` casts a ballot
through `BallotRepository.cast` exactly as the dialogue would store it.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo import HOUSES_CSV
from bot.demo.registries import DemoSummary, generate, houses_from_csv
from storage.models import Ballot, BallotEvent, EventKind, House, Poll
from storage.pii import PiiVault
from storage.registry_import import import_registry
from storage.repositories import BallotRepository, HouseRepository, HouseRow, PollRepository, ResidentRepository
from verification.levels import Field, Levels
from verification.refusal import Accepted
from verification.validators import (
    format_snils, snils_control_number, validate_birth_date, validate_flat_number, validate_fls,
    validate_full_name, validate_passport, validate_property_document, validate_snils,
)
from verification.validators.names import normalise_name_key

TOWN_HOUSES = houses_from_csv(HOUSES_CSV)[:30]
FULL, FLS_ONLY, NAME_ONLY = "identity=3,apartment=2", "identity=3,apartment=1", "identity=1,apartment=0"
REGISTRIES = ("eirc", "mvd", "pfr", "rosreestr")


def _accepted(result: object) -> object:
    assert isinstance(result, Accepted), result
    return result.value


@dataclass
class Town:
    summary: DemoSummary
    rows: dict[str, list[dict[str, str]]]

    @property
    def directory(self) -> Path:
        return self.summary.out_dir

    def resident(self, kind: str) -> dict[str, str]:
        found = [r for r in (*self.summary.residents, *self.summary.inconsistencies) if r["kind"] == kind]
        assert found, f"the demo town has no {kind} resident"
        return dict(found[0])

    def case(self, code: str) -> dict[str, str]:
        """What a resident types to get the verdict `code` ("counted" or a reason code)."""
        owner = self.resident("owner")
        if code == "counted":
            return owner
        kinds = {"identity.mismatch": "made_up", "flat.no_right_to_vote": "registered_only",
                 "passport.invalid": "invalid_passport", "snils.not_this_person": "foreign_snils",
                 "fls.not_this_flat": "foreign_fls"}
        if code in kinds:
            return self.resident(kinds[code])
        if code == "flat.unknown":
            return {**self.resident("made_up"), "flat": "9999"}
        if code == "passport.not_this_person":
            other = next(r for r in self.rows["mvd"] if r["full_name"] != owner["full_name"])
            return {**owner, "passport": other["passport"]}
        if code == "passport.unknown":
            return {**owner, "passport": self._absent("mvd", "passport", "4501000001")}
        if code == "snils.unknown":
            unknown = "123456789" + snils_control_number("123456789")
            return {**owner, "snils": format_snils(self._absent("pfr", "snils", unknown))}
        if code == "fls.unknown":
            return {**owner, "fls": self._absent("eirc", "fls", "0000000001")}
        if code == "property.not_this_flat":
            other = next(r for r in self.rows["rosreestr"]
                         if (r["unom"], r["flat"]) != (owner["unom"], owner["flat"]))
            return {**owner, "property_document": other["document"]}
        if code == "property.not_this_person":
            return self._owner_with_partners_certificate()
        if code == "property.unknown":
            return {**owner, "property_document": self._absent("rosreestr", "document", "77:01:0000001:1")}
        raise KeyError(code)

    def _absent(self, registry: str, column: str, value: str) -> str:
        assert all(row[column] != value for row in self.rows[registry])
        return value

    def _owner_with_partners_certificate(self) -> dict[str, str]:
        """A co-owner typing the other owner's certificate: Rosreestr knows the document, the
        flat is right, but this person is not its owner."""
        by_flat: dict[tuple[str, str], list[dict[str, str]]] = {}
        for row in self.rows["rosreestr"]:
            by_flat.setdefault((row["unom"], row["flat"]), []).append(row)
        for (unom, flat), owners in by_flat.items():
            if len(owners) == 2 and owners[0]["document"] != owners[1]["document"]:
                me, partner = owners
                person = next(r for r in self.rows["eirc"] if (r["unom"], r["flat"]) == (unom, flat)
                              and r["full_name"] == me["owner_full_name"])
                passport = next(r["passport"] for r in self.rows["mvd"] if r["full_name"] == me["owner_full_name"]
                                and r["birth_date"] == me["owner_birth_date"])
                snils = next(r["snils"] for r in self.rows["pfr"] if r["full_name"] == me["owner_full_name"]
                             and r["birth_date"] == me["owner_birth_date"])
                address = next(a for u, a in TOWN_HOUSES if str(u) == unom)
                return {"kind": "co_owner", "address": address, "unom": unom, "flat": flat,
                        "full_name": me["owner_full_name"], "birth_date": me["owner_birth_date"],
                        "passport": passport, "snils": format_snils(snils), "fls": person["fls"],
                        "property_document": partner["document"], "levels": FULL}
        raise AssertionError("the demo town has no flat whose two owners hold certificates")


@pytest.fixture(scope="session")
def town(tmp_path_factory: pytest.TempPathFactory) -> Town:
    summary = generate(TOWN_HOUSES, 4, seed=2017, out_dir=tmp_path_factory.mktemp("town"))
    rows = {}
    for name in REGISTRIES:
        with summary.files[name].open(encoding="utf-8", newline="") as source:
            rows[name] = list(csv.DictReader(source))
    return Town(summary, rows)


@dataclass
class World:
    """The town settled in a database: its houses and one open poll per level set."""

    houses: dict[int, House]
    polls: dict[str, Poll]
    now: datetime
    next_telegram_id: int = 7_000_001
    ballots: list[int] = field(default_factory=list)

    def telegram_id(self) -> int:
        self.next_telegram_id += 1
        return self.next_telegram_id


async def settle(sessions: async_sessionmaker[AsyncSession], vault: PiiVault, town: Town,
                 *, houses: list[tuple[int, str]] = TOWN_HOUSES) -> World:
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        await HouseRepository(session).upsert_many(HouseRow(unom=u, address=a) for u, a in houses)
        for name in REGISTRIES:
            await import_registry(session, name, town.summary.files[name], vault)
    async with sessions.begin() as session:
        found = await HouseRepository(session).by_unoms(u for u, _ in houses)
    world = World(found, {}, now)
    for text in (FULL, FLS_ONLY, NAME_ONLY):
        world.polls[text] = await add_poll(sessions, text)
    return world


async def add_poll(sessions: async_sessionmaker[AsyncSession], levels: str, title: str = "Реновация",
                   *, opened_days_ago: int = 1) -> Poll:
    """Another open poll over every house (one person votes once per flat and poll)."""
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        polls = PollRepository(session)
        poll = await polls.create(title=title, question="Включить дом в программу реновации?",
                                  opens_at=now - timedelta(days=opened_days_ago),
                                  closes_at=now + timedelta(days=30),
                                  levels=Levels.parse(levels))
        return await polls.open(poll.id, now=now)


def sealed_values(typed: dict[str, str], levels: Levels) -> dict[str, str]:
    """The draft the dialogue would seal: each asked field through its validator, as text."""
    today = date.today()
    validators = {
        Field.FLAT: lambda t: validate_flat_number(t), Field.FULL_NAME: lambda t: validate_full_name(t),
        Field.BIRTH_DATE: lambda t: validate_birth_date(t, today=today),
        Field.PASSPORT: lambda t: validate_passport(t, today=today), Field.SNILS: validate_snils,
        Field.FLS: validate_fls, Field.PROPERTY_DOCUMENT: validate_property_document,
    }
    values = {}
    for item in levels.fields:
        value = _accepted(validators[item](typed[item.value]))
        values[item.value] = value.isoformat() if isinstance(value, date) else str(value)
    return values


def cast_arguments(vault: PiiVault, values: dict[str, str]) -> dict[str, object]:
    """person_hmac, identifiers and sealed data as `BallotBox.cast` makes them."""
    return {
        "person_hmac": vault.person_digest(normalise_name_key(values["full_name"]),
                                           date.fromisoformat(values["birth_date"])),
        "identifiers": {kind: vault.digest(kind, values[kind]) if values.get(kind) else None
                        for kind in ("passport", "snils", "fls", "property_document")},
        "sealed": vault.seal(values),
    }


async def cast(sessions: async_sessionmaker[AsyncSession], vault: PiiVault, world: World,
               typed: dict[str, str], *, telegram_id: int | None = None, language: str = "ru",
               levels: str | None = None, poll: Poll | None = None, choice: str = "yes",
               at: datetime | None = None) -> Ballot:
    levels = levels or typed["levels"]
    poll = poll or world.polls[levels]
    levels = str(poll.levels)
    values = sealed_values(typed, Levels.parse(levels))
    async with sessions.begin() as session:
        resident = await ResidentRepository(session).get_or_create(telegram_id or world.telegram_id(), language)
        ballot = await BallotRepository(session).cast(
            poll, world.houses[int(typed["unom"])], values["flat"], resident, choice,
            at=at or datetime.now(UTC), **cast_arguments(vault, values))
    world.ballots.append(ballot.id)
    return ballot


async def verdict_events(sessions: async_sessionmaker[AsyncSession]) -> dict[int, int]:
    """How many verdict events each ballot has."""
    async with sessions() as session:
        rows = await session.execute(
            select(BallotEvent.ballot_id, func.count()).where(BallotEvent.kind == EventKind.VERDICT)
            .group_by(BallotEvent.ballot_id))
        return dict(rows.all())


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[int, tuple[str, tuple[str, ...]]]:
    async with sessions() as session:
        rows = await session.execute(select(Ballot.id, Ballot.status, Ballot.reasons))
        return {ballot_id: (status, tuple(reasons)) for ballot_id, status, reasons in rows}
