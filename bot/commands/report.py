"""`report overdue`: ballots still waiting for their verdict past the deadline."""
from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.commands.runtime import cut, database, table
from bot.settings import load_settings
from verification.calendar import add_working_days

if TYPE_CHECKING:
    from storage.repositories.checks import WaitingBallot

ADDRESS_SHOWN = 50
TITLE_SHOWN = 30


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    report = subcommands.add_parser("report", help="reports for the operator",
                                    description="Reports for the operator.")
    kinds = report.add_subparsers(dest="kind", required=True, metavar="REPORT")
    overdue = kinds.add_parser(
        "overdue",
        help="pending ballots past their verdict deadline",
        description="Lists ballots still pending after their poll's verdict deadline (4 working "
        "days by default, Moscow's production calendar): receipt, poll, house, age in working "
        "days and which registries they wait for. No personal data is shown.",
        epilog="Exit code 0: nothing overdue; 1: some ballots are overdue.",
    )
    overdue.add_argument("--poll", type=int, metavar="ID", help="only this poll")
    overdue.set_defaults(handler=run_overdue)


def working_days_between(start: datetime, end: datetime) -> int:
    """Whole working days from `start` to `end` (0 if `end` comes first)."""
    days = 0
    while add_working_days(start, days + 1) <= end:
        days += 1
    return days


def overdue_ballots(waiting: list[WaitingBallot], now: datetime) -> list[tuple[WaitingBallot, int]]:
    """The ballots past their deadline with their age in working days, oldest first."""
    return [(ballot, working_days_between(ballot.cast_at, now)) for ballot in waiting
            if add_working_days(ballot.cast_at, ballot.verdict_days) < now]


async def run_overdue(args: argparse.Namespace) -> int:
    from storage.repositories.checks import RegistryCheckRepository
    from storage.types import utcnow

    settings = load_settings()
    now = utcnow()
    async with database(settings) as sessions, sessions() as session:
        # a deadline is at least one working day, so a day or more after the cast
        waiting = await RegistryCheckRepository(session).waiting(
            cast_before=now - timedelta(days=1), poll_id=args.poll)
    late = overdue_ballots(waiting, now)
    if not late:
        print("no ballot is past its verdict deadline")
        return 0
    header = ["RECEIPT", "POLL", "HOUSE", "WORKING DAYS", "WAITING FOR"]
    rows = [[b.receipt, f"#{b.poll_id} {cut(b.poll_title, TITLE_SHOWN)}", cut(b.house, ADDRESS_SHOWN),
             f"{age} (due in {b.verdict_days})", ", ".join(b.waiting_for) or "a worker"]
            for b, age in late]
    print(table(header, rows))
    print(f"{len(late)} ballot(s) past the deadline")
    return 1
