"""`compile-texts`: compiles the message catalogues (part of the install)."""
from __future__ import annotations

import argparse


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "compile-texts",
        help="compile the message catalogues (.po → .mo)",
        description="Compiles every locales/<language>/LC_MESSAGES/<area>.po whose .mo is missing or older.",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # bot.i18n pulls in aiogram, seconds to import: the other commands should not wait for it.
    from bot.i18n import LOCALES_DIR, compile_catalogues

    written = compile_catalogues(LOCALES_DIR)
    print(f"catalogues compiled: {len(written)}")
    return 0
