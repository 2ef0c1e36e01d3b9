"""`python -m bot audit verify|show`: the audit log's hash chain checked, its newest entries shown."""
from __future__ import annotations

import argparse
import json

from bot.commands.moments import shown
from bot.commands.runtime import cut, database, positive_int, table
from bot.settings import load_settings

SHOWN_BY_DEFAULT = 20
DETAIL_SHOWN = 60


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    audit = subcommands.add_parser(
        "audit", help="check and show the audit log",
        description="The audit log: every staff action, each entry carrying the hash of the one before.")
    actions = audit.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = actions.add_parser(
        "verify", help="recompute the hash chain and report every edited, removed or reordered entry",
        description="Reads the whole log in order and recomputes each entry's hash. Prints "
        "'N entries, chain intact' and the newest entry's hash (keep it: `--since` later shows "
        "the newest entries were not cut off), or one line per problem.",
        epilog="Exit code 0: the chain is intact; 1: it is not.")
    verify.add_argument("--since", metavar="HASH", default="",
                        help="a hash `audit verify` printed earlier: it must still be in the log")
    verify.set_defaults(handler=run_verify)
    show = actions.add_parser("show", help="the newest entries as a table",
                              description="The newest entries, oldest of them first (ids, codes and "
                              "Telegram ids only: the log holds no personal data).")
    show.add_argument("--last", type=positive_int, default=SHOWN_BY_DEFAULT, metavar="N",
                      help=f"how many entries (default {SHOWN_BY_DEFAULT})")
    show.set_defaults(handler=run_show)


async def run_verify(args: argparse.Namespace) -> int:
    from services.audit import AuditLog

    async with database(load_settings()) as sessions, sessions() as session:
        report = await AuditLog(session).verify(since=args.since.strip().lower())
    if not report.intact:
        for problem in report.problems:
            print(problem)
        return 1
    print(f"{report.entries} entries, chain intact")
    if report.entries:
        print(f"newest hash: {report.head}")
    return 0


async def run_show(args: argparse.Namespace) -> int:
    from services.audit import AuditLog

    async with database(load_settings()) as sessions, sessions() as session:
        entries = await AuditLog(session).newest(args.last)
    if not entries:
        print("the audit log is empty")
        return 0
    rows = [[str(e.id), shown(e.at), e.actor, e.action, e.subject,
             cut(json.dumps(e.detail, ensure_ascii=False, sort_keys=True), DETAIL_SHOWN)] for e in entries]
    print(table(["ID", "AT", "ACTOR", "ACTION", "SUBJECT", "DETAIL"], rows))
    return 0
