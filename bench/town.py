"""A town for the production-topology benches (`bench load`, `bench faults`): houses, made-up
registries of some of them (`bot.demo.registries`), one open poll, and residents every registry
agrees on, so that each of their ballots should end up counted."""
from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.demo import HOUSES_CSV
from bot.demo.registries import COLUMNS, agreeing_owners, generate
from storage.database import create_engine, create_session_factory
from storage.house_import import migrated_with_houses
from storage.migrate import upgrade
from storage.pii import PiiVault
from storage.registry_import import import_registry
from storage.repositories import PollRepository

FLATS_PER_HOUSE = 15  # about two thirds of them get owners all registries agree on


async def open_poll(engine, *, days: int) -> int:
    """One open poll over every house, open for `days`; its id."""
    now = datetime.now(UTC)
    async with create_session_factory(engine).begin() as session:
        polls = PollRepository(session)
        poll = await polls.create(title="Реновация", question="Включить дом в программу реновации?",
                                  opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(days=days))
        await polls.open(poll.id, now=now)
    return poll.id


def houses_file(folder: Path, limit: int | None) -> Path:
    """The 4,543 houses of the 2017 list, or only the first `limit` of them (a quicker start)."""
    if limit is None:
        return HOUSES_CSV
    with HOUSES_CSV.open(encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source)
        rows = [row for _, row in zip(range(limit), reader)]
        fields = reader.fieldnames
    path = folder / "houses.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


async def town(url: str, folder: Path, residents: int, keys: dict[str, str], *, houses: int | None = None,
               agency_url: str | None = None) -> list[dict[str, str]]:
    """Builds the town in a new database at `url`; its residents, as they would type their data.
    The registries go into `agency_url` when given (the agency's own database, which the gateway
    stand-in answers from), else into `url` (the worker's local registry tables)."""
    take = residents // 8 + 2
    source = houses_file(folder, None if houses is None else max(houses, take))
    await migrated_with_houses(url, source)
    with source.open(encoding="utf-8") as rows:
        chosen_houses = [(int(r["unom"]), r["address"]) for r in csv.DictReader(rows)][:take]
    vault = PiiVault(bytes.fromhex(keys["PII_HMAC_KEY"]), bytes.fromhex(keys["PII_ENCRYPTION_KEY"]))
    summary = generate(chosen_houses, FLATS_PER_HOUSE, 7, folder / "registries")
    if agency_url is not None:
        await upgrade(agency_url)
    registries = create_engine(agency_url or url)
    async with create_session_factory(registries).begin() as session:
        for name in COLUMNS:
            await import_registry(session, name, summary.files[name], vault)
    await registries.dispose()
    engine = create_engine(url)
    await open_poll(engine, days=1)
    await engine.dispose()
    chosen = agreeing_owners(summary.files, chosen_houses)
    if len(chosen) < residents:
        raise SystemExit(f"only {len(chosen)} residents the registries agree on; ask for fewer")
    return chosen[:residents]
