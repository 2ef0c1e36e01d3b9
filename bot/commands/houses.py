"""`import-houses FILE.csv`: loads or refreshes the city's house list."""
from __future__ import annotations

import argparse
from pathlib import Path

from bot.commands.runtime import CommandError, database
from bot.settings import load_settings


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "import-houses",
        help="import or update houses from a CSV file",
        description="Imports houses from a UTF-8 CSV with columns unom, address, okrug, district, "
        "lat, lon (optional: for_pct, against_pct, status, general_meeting_protocol, flats_total). "
        "Houses already known by unom are updated, never duplicated. A bad row is reported with "
        "its line number and the other rows are imported.",
        epilog="Exit code 0: every row imported; 1: some rows were rejected; 2: the file or the "
        "settings could not be used.",
    )
    parser.add_argument("file", metavar="FILE.csv", type=Path, help="the houses CSV file")
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    from storage.house_import import HouseFileError, import_houses

    settings = load_settings()
    if not args.file.is_file():
        raise CommandError(f"{args.file}: no such file")
    async with database(settings) as sessions, sessions.begin() as session:
        try:
            report = await import_houses(session, args.file)
        except HouseFileError as error:
            raise CommandError(str(error)) from None
    print(f"houses created: {report.created}, updated: {report.updated}, rejected rows: {len(report.errors)}")
    for line_no, message in report.errors:
        print(f"{args.file}: line {line_no}: {message}")
    return 1 if report.errors else 0
