"""Residents the made-up registries know, and the real bot with the verifier running beside it."""
from __future__ import annotations

import csv
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.demo.registries import COLUMNS, generate
from storage.database import create_engine, create_session_factory
from storage.pii import PiiVault
from storage.registry_import import import_registry
from tests.dialogue.steps import cast, choose_house, consent, enter
from tests.plugins.dialogue import HOUSES_CSV, Person, voting_stand

KUBINKA_UNOMS = 3  # a few houses are enough for registries the test can read


@pytest.fixture
async def verifying(tmp_path, houses_template, pii_keys) -> AsyncIterator[tuple]:
    async with verifying_stand(tmp_path, houses_template, pii_keys) as found:
        yield found


@asynccontextmanager
async def verifying_stand(tmp_path, houses_template, pii_keys, *, settings: dict | None = None,
                          verification: bool = True) -> AsyncIterator[tuple]:
    """The bot with the verifier running (unless `verification` is False: then the test runs it
    when it wants, with `bot.runners.verification_running`) and a few houses' made-up registries."""
    database_file = tmp_path / "vote.sqlite3"
    shutil.copy(houses_template, database_file)
    with HOUSES_CSV.open(encoding="utf-8") as source:
        houses = [(int(r["unom"]), r["address"]) for r in csv.DictReader(source)][:KUBINKA_UNOMS]
    summary = generate(houses, 4, 7, tmp_path / "registries")
    engine = create_engine(f"sqlite+aiosqlite:///{database_file}")
    vault = PiiVault(bytes.fromhex(pii_keys["pii_hmac_key"]), bytes.fromhex(pii_keys["pii_encryption_key"]))
    async with create_session_factory(engine).begin() as session:
        for name in COLUMNS:
            await import_registry(session, name, summary.files[name], vault)
    await engine.dispose()
    async with voting_stand(database_file, pii_keys=pii_keys, verification=verification, settings=settings) as stand:
        yield stand, summary


def resident(summary, *, outcome: str, reason: str = "") -> dict[str, str]:
    return next(r for r in summary.residents
                if r["levels"] == "identity=3,apartment=2" and r["outcome"] == outcome and r["reason"] == reason)


def typed(r: dict[str, str]) -> Person:
    return Person(flat=r["flat"], full_name=r["full_name"], birth_date=r["birth_date"], passport=r["passport"],
                  snils=r["snils"], fls=r["fls"], property_document=r["property_document"])


async def vote_as(user, r: dict[str, str], language: str = "ru") -> str:
    await consent(user, language)
    await choose_house(user, query=r["address"], house=r["address"])
    await enter(user, typed(r))
    return await cast(user, language=language)
