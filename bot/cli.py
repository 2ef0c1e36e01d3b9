"""`python -m bot <command>`: the operator's command line.

Commands come from `bot.commands.COMMANDS`. Bad input or configuration ends with one line
on stderr and exit code 2, never a traceback; so does a fault of the program (`python -X dev`
shows its traceback).
"""
from __future__ import annotations

import argparse
import asyncio
import inspect
import sys
from collections.abc import Sequence

from bot.commands import COMMANDS
from bot.commands.runtime import CommandError
from bot.logs import first_line
from bot.settings import ConfigError, fail

PROG = "python -m bot"


class OperatorParser(argparse.ArgumentParser):
    """argparse that reports a usage mistake in one line, pointing at --help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        fail(f"{message} (see `{self.prog} --help`)")


def build_parser() -> OperatorParser:
    parser = OperatorParser(
        prog=PROG,
        description="House vote bot: operator commands. Settings come from the environment and .env.",
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.handler(args)
        if inspect.isawaitable(result):
            result = asyncio.run(result)
    except (ConfigError, CommandError) as error:
        fail(str(error))
    except OSError as error:  # never a DBAPIError as well: checking that one later changes nothing
        fail(f"cannot reach the database: {first_line(error)}")
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        # SQLAlchemy is imported here, not at start: `--help` and the commands without a database skip it
        from sqlalchemy.exc import DBAPIError

        if isinstance(error, DBAPIError):
            fail(f"the database refused: {first_line(error.orig)}")
        # a fault of the program itself: still one line; -X dev shows where
        if sys.flags.dev_mode:
            raise
        fail(f"unexpected {type(error).__name__}: {first_line(error)} "
             f"(`python -X dev -m bot {args.command} ...` shows where; please report it)")
    return int(result or 0)
