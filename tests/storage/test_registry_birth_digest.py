"""Registry tables keep birth dates only as keyed digests; rows from before 0006 decide nothing."""
from __future__ import annotations

import logging
import re
from datetime import date

from sqlalchemy import select, text, update

from storage.migrate import upgrade
from storage.models import RegistryRecord
from storage.registry_import import BIRTH_KIND, import_registry, registry_is_empty
from storage import registry_tables
from storage.registry_tables import RegistryTables
from storage.types import utcnow
from tests.plugins.worker import add_poll, cast, settle, statuses
from tests.storage.test_migrations import _execute, _rows
from bot.worker import Verifier
from verification.registries import Outcome

ISO_OR_SHOWN_DATE = re.compile(r"\d{4}-\d\d-\d\d|\d\d\.\d\d\.\d{4}")


async def test_no_birth_date_is_stored_in_clear_and_each_matches_by_its_digest(sessions, vault, town):
    await settle(sessions, vault, town)
    async with sessions() as session:
        records = list(await session.scalars(select(RegistryRecord)))
    assert len(records) == sum(town.summary.rows.values())
    assert "birth_date" not in RegistryRecord.__table__.c
    for record in records:
        stored = [str(getattr(record, column.key)) for column in RegistryRecord.__table__.c
                  if column.key not in ("updated_at", "sealed")]
        assert not any(ISO_OR_SHOWN_DATE.search(value) for value in stored)
        assert re.fullmatch(r"[0-9a-f]{64}", record.birth_digest)
    owner = town.case("counted")
    day, month, year = owner["birth_date"].split(".")
    digest = vault.digest(BIRTH_KIND, f"{year}-{month}-{day}")
    assert any(r.birth_digest == digest for r in records if r.source == "mvd")


async def test_a_registry_from_before_the_upgrade_keeps_ballots_waiting_until_it_is_imported_again(
        sessions, vault, town, caplog, monkeypatch):
    monkeypatch.setattr(registry_tables, "_reminded", {})  # the reminder is due in this test
    world = await settle(sessions, vault, town)
    ballots = {}
    for code in ("counted", "passport.not_this_person"):
        typed = town.case(code)
        poll = await add_poll(sessions, typed["levels"], title=code)
        ballots[code] = (await cast(sessions, vault, world, typed, poll=poll)).id
    async with sessions.begin() as session:  # what revision 0006 leaves: the digests unknown
        await session.execute(update(RegistryRecord).where(RegistryRecord.source == "mvd").values(birth_digest=None))
        assert await registry_is_empty(session, "mvd")  # the sandbox would load it again
        assert not await registry_is_empty(session, "pfr")
    tables = RegistryTables(sessions, vault)
    typed = town.case("counted")
    day, month, year = typed["birth_date"].split(".")
    born = date(int(year), int(month), int(day))
    caplog.set_level(logging.ERROR)
    answer = await tables.check_passport(typed["passport"].replace(" ", ""), "x", born)
    assert answer.outcome is Outcome.UNAVAILABLE

    verifier = Verifier(session_factory=sessions, vault=vault, registries=tables)
    done = await verifier.run_once()
    assert (done.counted, done.rejected, done.waiting) == (0, 0, 2)
    assert set((await statuses(sessions)).values()) == {("pending", ())}
    assert "import it again" in caplog.text and typed["passport"] not in caplog.text

    async with sessions.begin() as session:
        await import_registry(session, "mvd", town.summary.files["mvd"], vault)
    async with sessions.begin() as session:  # due at once for the test
        await session.execute(text("UPDATE registry_checks SET due_at = :now").bindparams(now=utcnow()))
    await verifier.run_once()
    found = await statuses(sessions)
    assert found[ballots["counted"]] == ("counted", ())
    assert found[ballots["passport.not_this_person"]] == ("rejected", ("passport.not_this_person",))


async def test_the_migration_drops_the_clear_dates_and_keeps_the_rows(database):
    engine = database.engine()
    try:
        await upgrade(engine, "0005")
        await _execute(engine,
                       "INSERT INTO registry_records (source, key_hmac, name_key, birth_date, status, updated_at) "
                       f"VALUES ('mvd', '{'a' * 64}', '{'b' * 64}', '1980-05-17', 'valid', '2026-12-01 10:00:00+00:00')")
        await upgrade(engine)
        assert await _rows(engine, "SELECT source, key_hmac, birth_digest FROM registry_records") == [
            ("mvd", "a" * 64, None)]
        columns = await _rows(engine, "SELECT * FROM registry_records")
        assert not any("1980" in str(value) for value in columns[0])
    finally:
        await engine.dispose()
