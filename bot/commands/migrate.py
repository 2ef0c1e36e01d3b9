"""`migrate`: brings the database schema up to date."""
from __future__ import annotations

import argparse

from bot.commands.runtime import shown_url
from bot.settings import load_settings


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "migrate",
        help="create or update the database tables",
        description="Creates the tables on a new database, or brings an existing one up to date. "
        "Safe to run again. The database is DATABASE_URL (SQLite or PostgreSQL).",
    )
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    from storage.database import create_engine
    from storage.migrate import current_revision, upgrade

    settings = load_settings()
    engine = create_engine(settings.database_url)
    try:
        before = await current_revision(engine)
        await upgrade(engine)
        after = await current_revision(engine)
    finally:
        await engine.dispose()
    where = shown_url(settings.database_url)
    if before == after:
        print(f"{where} is up to date (revision {after})")
    else:
        print(f"{where} migrated from {before or 'an empty database'} to revision {after}")
    return 0
