"""What every operator command shares: one-line errors, a migrated database, aligned tables."""
from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.settings import Settings, parse_listen

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


def metrics_listen(text: str) -> str:
    """An argparse type: host:port for a process's /metrics."""
    try:
        parse_listen(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None
    return text


def filled_when_used(parser: argparse.ArgumentParser, fill: Callable[[argparse.ArgumentParser], None]) -> None:
    """`fill(parser)` run only once this parser parses or shows its help: arguments or a description
    naming constants of heavy modules (storage, SQLAlchemy) cost `python -m bot --help` nothing."""
    pending = [fill]

    def filled_first(method: Callable) -> Callable:
        def call(*args, **kwargs):
            while pending:
                pending.pop()(parser)
            return method(*args, **kwargs)
        return call

    # instance attributes: the subparsers action calls parser.parse_known_args, whatever the class
    for name in ("parse_known_args", "format_usage", "format_help"):
        setattr(parser, name, filled_first(getattr(parser, name)))


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


class CommandError(Exception):
    """Bad input or state, told to the operator in one line (exit code 2)."""


def shown_url(url: str) -> str:
    """The database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

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
    # SQLAlchemy takes a good part of a second to import: only commands that open the database pay
    from storage.database import create_engine, create_session_factory
    from storage.revision import current_revision, head_revision

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
