"""`python -m bot purge --poll P`: a published poll's personal data erased, its counts unchanged."""
from __future__ import annotations

import argparse

from bot.commands.runtime import CommandError, database
from bot.settings import load_settings


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    purge = subcommands.add_parser(
        "purge", help="erase a published poll's personal data (152-FZ retention)",
        description="Erases the sealed personal data (names, birth dates, documents) of every ballot "
        "of a closed, published poll that has its verdict, and of its decided review flags. The "
        "ballots, their choices, statuses and digests stay: the counts, the public board and "
        "de-duplication are unchanged, and it can be run again after a later publication. Ballots "
        "still waiting for their verdict keep their data until they have it. Written to the audit log.")
    purge.add_argument("--poll", type=int, required=True, metavar="P", help="the poll's id (see `poll list`)")
    purge.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    from services.privacy import PrivacyDesk, PurgeRefused

    async with database(load_settings()) as sessions, sessions() as session:
        try:
            purged = await PrivacyDesk(session).purge_poll(args.poll)
        except PurgeRefused as refused:
            raise CommandError(str(refused)) from None
    print(f"poll {purged.poll_id}: personal data erased, ballots: {purged.erased:,}")
    if purged.kept_pending:
        print(f"still waiting for their verdict and keeping their data until then, ballots: {purged.kept_pending:,} "
              "(run this again once they have it)")
    return 0
