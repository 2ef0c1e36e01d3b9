"""Migrations create the schema the models describe, both ways, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from storage.migrate import current_revision, downgrade, head_revision, is_up_to_date, upgrade
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
