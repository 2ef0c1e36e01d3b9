"""Migrations create the schema the models describe, both ways, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from alembic.script import ScriptDirectory

from storage.migrate import config, current_revision, downgrade, is_up_to_date, upgrade
from storage.revision import head_revision
from storage.models import Base

TABLES = {
    "houses", "polls", "poll_houses", "flats", "residents", "ballots", "ballot_personal_data",
    "ballot_events", "review_flags", "outbox", "registry_records",
}


async def _tables(engine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _schema_differences(engine) -> list:
    def compare(sync):
        context = MigrationContext.configure(sync, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        return await connection.run_sync(compare)


async def test_upgrade_creates_every_table_matching_the_models(database):
    engine = database.engine()
    try:
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert TABLES <= await _tables(engine)
        assert await current_revision(engine) == head_revision()
        assert await is_up_to_date(engine)
        assert await _schema_differences(engine) == []
    finally:
        await engine.dispose()


async def test_downgrade_then_upgrade_again(database):
    engine = database.engine()
    try:
        await upgrade(engine)
        await downgrade(engine, "base")
        assert not TABLES & await _tables(engine)
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert TABLES <= await _tables(engine)
        assert await _schema_differences(engine) == []
    finally:
        await engine.dispose()


def test_the_head_read_from_the_files_is_alembics():
    assert head_revision() == ScriptDirectory.from_config(config()).get_current_head()


async def test_upgrade_by_url_creates_the_sqlite_folder(tmp_path):
    path = tmp_path / "not" / "yet" / "there.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    await upgrade(url)  # a second run finds nothing to do
    assert path.exists()
    assert await is_up_to_date(url)


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path):
    from storage.database import create_engine

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        async with engine.connect() as connection:
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
            timeout = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
            keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
        assert (journal, timeout, keys) == ("wal", 5000, 1)
    finally:
        await engine.dispose()


async def _rows(engine, sql: str) -> list:
    async with engine.connect() as connection:
        return list((await connection.execute(text(sql))).all())


async def _execute(engine, *statements: str) -> None:
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def test_rebuilding_the_ballots_table_keeps_every_row_and_the_queue(database):
    """0004 rebuilds ballots and ballot_events on SQLite: the rows that refer to them stay (no
    cascade), the poll's houses stay, and a ballot cast afterwards is still queued by trigger."""
    engine = database.engine()
    moment = "'2026-12-01 10:00:00+00:00'"
    try:
        await upgrade(engine, "0003")
        await _execute(
            engine,
            "INSERT INTO houses (id, unom, address, okrug, district, search_form, updated_at) "
            f"VALUES (1, 100, 'ул. Тестовая, 1', 'ЦАО', 'Арбат', 'тестовая 1', {moment})",
            "INSERT INTO polls (id, title, question, opens_at, closes_at, identity_level, apartment_level, "
            "min_age, verdict_days, state, all_houses, live_turnout, created_at) VALUES (1, 't', 'q', "
            f"{moment}, '2027-01-01 00:00:00+00:00', 3, 2, 18, 4, 'open', false, false, {moment})",
            "INSERT INTO poll_houses (poll_id, house_id) VALUES (1, 1)",
            "INSERT INTO flats (id, house_id, number) VALUES (1, 1, '5')",
            f"INSERT INTO residents (id, telegram_id, language, created_at) VALUES (1, 42, 'ru', {moment})",
            "INSERT INTO ballots (id, poll_id, house_id, flat_id, resident_id, choice, receipt_code, status, "
            "reasons, channel, person_hmac, created_at, updated_at) VALUES (1, 1, 1, 1, 1, 'yes', 'ABCD2345EF', "
            f"'pending', '[]', 'telegram', '{'a' * 64}', {moment}, {moment})",
            f"INSERT INTO ballot_events (ballot_id, at, kind, detail) VALUES (1, {moment}, 'cast', '{{}}')",
            "INSERT INTO ballot_personal_data (ballot_id, sealed, key_version) VALUES (1, '', 1)",
        )
        assert await _rows(engine, "SELECT ballot_id FROM registry_checks") == [(1,)]
        await upgrade(engine)
        assert await _rows(engine, "SELECT poll_id, house_id FROM poll_houses") == [(1, 1)]
        assert await _rows(engine, "SELECT ballot_id, kind FROM ballot_events") == [(1, "cast")]
        assert await _rows(engine, "SELECT ballot_id FROM ballot_personal_data") == [(1,)]
        assert await _rows(engine, "SELECT ballot_id FROM registry_checks") == [(1,)]
        # the same person on paper for the same flat, without an account: now allowed, and queued
        await _execute(
            engine,
            "INSERT INTO ballots (id, poll_id, house_id, flat_id, resident_id, choice, receipt_code, status, "
            "reasons, channel, person_hmac, created_at, updated_at) VALUES (2, 1, 1, 1, NULL, 'no', 'ABCD2345EG', "
            f"'pending', '[]', 'paper', '{'a' * 64}', {moment}, {moment})",
            f"INSERT INTO ballot_events (ballot_id, at, kind, detail) VALUES (2, {moment}, 'superseded', '{{}}')",
        )
        assert await _rows(engine, "SELECT ballot_id FROM registry_checks ORDER BY ballot_id") == [(1,), (2,)]
        await downgrade(engine, "0003")
        assert await _rows(engine, "SELECT id FROM ballots") == [(1,)]
        assert await _rows(engine, "SELECT ballot_id FROM registry_checks") == [(1,)]
        assert await _rows(engine, "SELECT ballot_id, kind FROM ballot_events") == [(1, "cast")]
        assert await _rows(engine, "SELECT poll_id, house_id FROM poll_houses") == [(1, 1)]
    finally:
        await engine.dispose()
