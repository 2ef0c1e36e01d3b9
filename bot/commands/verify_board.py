"""`verify-board`: check a downloaded public board from its files alone."""
from __future__ import annotations

import argparse

from board.errors import BoardFileError
from bot.commands.runtime import CommandError


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "verify-board",
        help="check a public board directory: signatures, Merkle roots, and every house's result recounted",
        description="Checks a board directory (as `export board` writes it) with nothing but its files: "
        "every checkpoint is signed by board.vkey, each checkpoint's root is the Merkle root of its rows, "
        "rows were only ever appended, rules.json and the results files are those the checkpoints hash, "
        "and each house's published result recounts from the rows. Prints a summary and exits 0, or "
        "prints each finding and exits 1.",
    )
    parser.add_argument("directory", metavar="DIR", help="the board directory")
    parser.add_argument("--since", metavar="OLD_CHECKPOINT",
                        help="a checkpoint saved earlier: also prove the array only grew since then")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from board.audit import verify_board  # cryptography: only this command pays for it

    try:
        report = verify_board(args.directory, since=args.since)
    except BoardFileError as error:
        raise CommandError(str(error)) from None
    if report.ok:
        print(report.summary())
        return 0
    for finding in report.findings:
        print(finding)
    print(report.summary())
    return 1
