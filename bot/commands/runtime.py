"""What every operator command shares: one-line errors, a migrated database, aligned tables."""
from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings, parse_listen
from storage.database import create_engine, create_session_factory
from storage.migrate import current_revision, head_revision


def metrics_listen(text: str) -> str:
    """An argparse type: host:port for a process's /metrics."""
    try:
        parse_listen(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None
    return text


class CommandError(Exception):
    """Bad input or state, told to the operator in one line (exit code 2)."""


def shown_url(url: str) -> str:
    """The database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows under a header in left-aligned columns two spaces apart, no trailing blanks."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in [header, *rows])


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the configured database, refusing one the code's migrations have not reached."""
    engine = create_engine(settings.database_url)
    try:
        current = await current_revision(engine)
        if current != head_revision():
            state = "has no tables yet" if current is None else f"is at revision {current}"
            raise CommandError(
                f"the database {shown_url(settings.database_url)} {state}: run `python -m bot migrate` first"
            )
        yield create_session_factory(engine)
    finally:
        await engine.dispose()
