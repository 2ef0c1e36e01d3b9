"""`export board POLL DIR`: the public board's open data, for anyone to verify with `verify-board`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.runtime import CommandError, database
from bot.settings import load_settings


def add_kind(kinds: argparse._SubParsersAction) -> None:
    """`board` among `export`'s kinds."""
    board = kinds.add_parser(
        "board", help="the public board of counted ballots, as open data",
        description="Writes the poll's public board into DIR: the verifier key, the counting rules, "
        "every row (CSV and JSON Lines), each publication's signed checkpoint and per-house results. "
        "`python -m bot verify-board DIR` checks them with nothing but these files.")
    board.add_argument("poll", type=int, metavar="POLL")
    board.add_argument("directory", type=Path, metavar="DIR")
    board.set_defaults(handler=run_export_board)


async def run_export_board(args: argparse.Namespace) -> int:
    from board.checkpoint import CheckpointError
    from board.files import write_board
    from services.board import BoardDesk

    async with database(load_settings()) as sessions, sessions() as session:
        try:
            data = await BoardDesk(session).open_data(args.poll)
        except LookupError as error:
            raise CommandError(str(error)) from None
        except CheckpointError as error:
            raise CommandError(f"a stored checkpoint does not verify: {error}") from None
        except ValueError as error:
            raise CommandError(str(error)) from None
    try:
        write_board(args.directory, vkey=data.vkey, rules_json=data.rules_json, rows=data.rows,
                    checkpoints=data.checkpoints, results=data.results)
    except OSError as error:
        raise CommandError(f"cannot write {args.directory}: {error.strerror or error}") from None
    print(f"{len(data.rows):,} rows and {len(data.checkpoints)} checkpoints of poll {args.poll} written to "
          f"{args.directory}; verify with: python -m bot verify-board {args.directory}", file=sys.stderr)
    return 0
