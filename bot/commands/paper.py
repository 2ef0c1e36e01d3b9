"""`import-paper`: the service centres' paper ballots, through the same registry verification."""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from bot.commands.runtime import CommandError, database
from bot.settings import load_settings


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "import-paper", help="import paper ballots from the service centres",
        description="Imports paper ballots from a CSV (UTF-8, ',' or ';'): unom, choice (yes/no, "
        "да/нет), cast_at (Moscow time, dd.mm.yyyy HH:MM) and the fields the poll asks for "
        "(flat, full_name, birth_date, passport, snils, fls, property_document). Each is checked "
        "as the bot checks what a resident types and stored as a pending ballot that the "
        "verification workers check against the registries. Bad rows are reported by line, the "
        "rest imported. Each stored ballot's receipt code, by line, goes to --receipts "
        "(default FILE.receipts.csv) for the centre to hand out. On the sandbox's database its "
        "keys are used when PII keys are not set.",
    )
    parser.add_argument("poll", type=int, metavar="POLL")
    parser.add_argument("file", type=Path, metavar="FILE.csv")
    parser.add_argument("--receipts", type=Path, metavar="OUT.csv",
                        help="where to write line,receipt (default: FILE.receipts.csv beside the file)")
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    from bot.keys import vault_of, with_sandbox_keys
    from services.paper import PaperDesk, columns
    from storage.csv_file import csv_rows
    from storage.errors import PollNotFound

    settings = with_sandbox_keys(load_settings())
    vault = vault_of(settings)
    receipts_path = args.receipts or args.file.with_name(f"{args.file.stem}.receipts.csv")
    async with database(settings) as sessions, sessions() as session:
        desk = PaperDesk(session, vault)
        try:
            poll = await desk.poll(args.poll)
        except PollNotFound:
            raise CommandError(f"there is no poll {args.poll}") from None
        rows = csv_rows(args.file, columns(poll), CommandError)
        done = await desk.import_rows(args.poll, rows)
    with receipts_path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "receipt"])
        writer.writerows(done.receipts)
    for problem in done.refused:
        print(problem, file=sys.stderr)
    print(f"{len(done.receipts):,} paper ballots imported (pending verification), {len(done.refused):,} rows "
          f"refused; receipts in {receipts_path}")
    return 0 if not done.refused else 1
