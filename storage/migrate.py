"""Schema migrations, run from code: no alembic.ini is needed.

    await upgrade("sqlite+aiosqlite:///var/vote.sqlite3")   # or an AsyncEngine
    await downgrade(engine, "base")

A new revision, compared against the models (run from the repository root):

    from alembic import command
    from storage.migrate import config
    command.revision(config("sqlite+aiosqlite:///var/dev.sqlite3"), "what changed", autogenerate=True)
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import revision as schema_revision
from storage.database import create_engine
from storage.revision import MIGRATIONS_DIR


def config(url: str | None = None) -> Config:
    """An Alembic Config pointing at this package's migrations (and at `url`, if given)."""
    alembic_config = Config()
    alembic_config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        alembic_config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return alembic_config


async def upgrade(target: str | AsyncEngine, revision: str = "head") -> None:
    """Brings the database at `target` (a URL or an engine) up to `revision`, in one transaction."""
    await _run(target, command.upgrade, revision)


async def downgrade(target: str | AsyncEngine, revision: str = "base") -> None:
    """Takes the database back to `revision` ("base" drops every table)."""
    await _run(target, command.downgrade, revision)


async def current_revision(target: str | AsyncEngine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    async with _engine(target) as engine:
        return await schema_revision.current_revision(engine)


async def is_up_to_date(target: str | AsyncEngine) -> bool:
    return await current_revision(target) == schema_revision.head_revision()


async def _run(target: str | AsyncEngine, action: Callable[..., Any], revision: str) -> None:
    async with _engine(target) as engine, engine.connect() as connection:
        await connection.run_sync(_migrate, action, revision)


def _migrate(connection: Connection, action: Callable[..., Any], revision: str) -> None:
    # SQLite rebuilds a table it alters (batch mode): dropping the old one with foreign keys on
    # would cascade into, or be refused by, every table that refers to it. The pragma only takes
    # effect outside a transaction, so it goes first, and the keys are checked before the commit.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _pragma(connection, "foreign_keys=OFF")
    try:
        with connection.begin():
            alembic_config = config()
            alembic_config.attributes["connection"] = connection
            action(alembic_config, revision)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration left {len(broken)} rows with a broken reference, "
                                       f"the first in table {broken[0][0]}; nothing was changed")
    finally:
        if sqlite:
            _pragma(connection, "foreign_keys=ON")


def _pragma(connection: Connection, setting: str) -> None:
    """A pragma run on the driver's connection, outside any transaction."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA {setting}")
    finally:
        cursor.close()


@asynccontextmanager
async def _engine(target: str | AsyncEngine) -> AsyncIterator[AsyncEngine]:
    if isinstance(target, AsyncEngine):
        yield target
        return
    engine = create_engine(target)
    try:
        yield engine
    finally:
        await engine.dispose()
