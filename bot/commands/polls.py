"""`poll create|open|close|list`: the operator's side of a poll's life."""
from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.commands.moments import EXAMPLES, parse_moment, shown
from bot.commands.runtime import CommandError, cut, database, table
from bot.settings import load_settings
from counting.rules import CountingRules
from storage.errors import PollNotFound, PollStateError
from storage.house_import import HouseFileError, read_unoms
from storage.models import Poll
from storage.repositories import BallotRepository, HouseRepository, PollRepository
from verification.levels import Levels

DEFAULT_DAYS_OPEN = 30
LISTED_AT_MOST = 20
TITLE_SHOWN = 40


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    poll = subcommands.add_parser(
        "poll", help="create, open, close and list polls", description="Manage polls."
    )
    actions = poll.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser(
        "create",
        help="create a draft poll",
        description="Creates a poll as a draft and prints its id; `poll open ID` starts it. "
        f"Times are Moscow time unless they carry an offset; write {EXAMPLES}.",
    )
    create.add_argument("--title", required=True, help="short name shown to residents")
    create.add_argument("--question", required=True, help="the yes/no question")
    create.add_argument(
        "--houses",
        default="all",
        metavar="all|FILE.csv",
        help="'all' (default) or a CSV with a unom column listing the houses taking part",
    )
    create.add_argument(
        "--levels",
        type=_levels,
        default=Levels(),
        help="verification levels, e.g. identity=3,apartment=2 (default) or 2/1",
    )
    create.add_argument("--opens", type=_moment, metavar="DATETIME", help="when voting starts (default: now)")
    create.add_argument(
        "--closes",
        type=_moment,
        metavar="DATETIME",
        help=f"when voting ends (default: {DEFAULT_DAYS_OPEN} days after it opens)",
    )
    create.add_argument("--min-age", type=int, default=18, metavar="N", help="minimum voter age (default 18)")
    create.add_argument(
        "--verdict-days", type=int, default=4, metavar="N",
        help="working days within which each ballot gets its verdict (default 4)",
    )
    create.add_argument("--live-turnout", action="store_true",
                        help="show turnout (per house and in the statistics) while the vote runs")
    create.add_argument("--rules", type=_rules, metavar="JSON",
                        help='counting rules, e.g. \'{"silent": "for"}\' (default: the 2017 rules, 326-ПП); '
                        "frozen when the poll opens")
    create.set_defaults(handler=create_poll)

    opening = actions.add_parser(
        "open", help="start taking ballots", description="Opens a draft poll: residents can vote "
        "from its opening time until its closing time."
    )
    closing = actions.add_parser(
        "close", help="stop taking ballots", description="Closes a poll for good (a closed poll is not reopened)."
    )
    for action, handler in ((opening, open_poll), (closing, close_poll)):
        action.add_argument("poll_id", metavar="ID", type=int, help="the poll's id (see `poll list`)")
        action.set_defaults(handler=handler)

    listing = actions.add_parser("list", help="show every poll", description="Shows every poll, newest first.")
    listing.set_defaults(handler=list_polls)


def _rules(text: str) -> CountingRules:
    try:
        return CountingRules.from_json(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _levels(text: str) -> Levels:
    try:
        return Levels.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _moment(text: str) -> datetime:
    try:
        return parse_moment(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


async def create_poll(args: argparse.Namespace) -> int:
    settings = load_settings()
    opens = args.opens or datetime.now(UTC).replace(second=0, microsecond=0)
    closes = args.closes or opens + timedelta(days=DEFAULT_DAYS_OPEN)
    async with database(settings) as sessions, sessions.begin() as session:
        house_ids = None
        if args.houses.strip().lower() != "all":
            house_ids = await _house_ids(session, Path(args.houses))
        polls = PollRepository(session)
        try:
            poll = await polls.create(
                title=args.title, question=args.question, opens_at=opens, closes_at=closes,
                levels=args.levels, min_age=args.min_age, verdict_days=args.verdict_days,
                house_ids=house_ids, live_turnout=args.live_turnout,
            )
            if args.rules is not None:
                await polls.set_counting_rules(poll.id, args.rules)
        except ValueError as error:
            raise CommandError(str(error)) from None
        houses = await polls.house_count(poll)
    print(f"poll {poll.id} created as a draft: {poll.title}")
    print(f"  opens {shown(poll.opens_at)}, closes {shown(poll.closes_at)}; "
          f"{'all' if poll.all_houses else houses} houses; {poll.levels}; min age {poll.min_age}"
          f"{'; turnout shown while it runs' if poll.live_turnout else ''}")
    print(f"  counting rules: {PollRepository.counting_rules(poll).canonical_json()}")
    print(f"  start it with: python -m bot poll open {poll.id}")
    return 0


async def _house_ids(session, path: Path) -> list[int]:
    try:
        unoms, errors = read_unoms(path)
    except HouseFileError as error:
        raise CommandError(str(error)) from None
    if errors:
        raise CommandError(f"{path}: " + "; ".join(f"line {line}: {message}" for line, message in errors))
    if not unoms:
        raise CommandError(f"{path} lists no houses")
    known = await HouseRepository(session).by_unoms(unoms)
    unknown = [unom for unom in unoms if unom not in known]
    if unknown:
        listed = ", ".join(map(str, unknown[:LISTED_AT_MOST]))
        more = f" and {len(unknown) - LISTED_AT_MOST} more" if len(unknown) > LISTED_AT_MOST else ""
        raise CommandError(
            f"{path} names {len(unknown)} unknown unom: {listed}{more} "
            "(import them first with `python -m bot import-houses`)"
        )
    return [known[unom].id for unom in unoms]


async def open_poll(args: argparse.Namespace) -> int:
    poll = await _change(args.poll_id, "open")
    now = datetime.now(UTC)
    starts = f"takes ballots from {shown(poll.opens_at)}" if poll.opens_at > now else "takes ballots now"
    print(f"poll {poll.id} is open: {poll.title}; it {starts} until {shown(poll.closes_at)}")
    return 0


async def close_poll(args: argparse.Namespace) -> int:
    poll = await _change(args.poll_id, "close")
    print(f"poll {poll.id} is closed: {poll.title}")
    return 0


async def _change(poll_id: int, action: str) -> Poll:
    settings = load_settings()
    async with database(settings) as sessions, sessions.begin() as session:
        polls = PollRepository(session)
        try:
            return await (polls.open(poll_id) if action == "open" else polls.close(poll_id))
        except (PollNotFound, PollStateError) as error:
            raise CommandError(str(error)) from None


async def list_polls(args: argparse.Namespace) -> int:
    settings = load_settings()
    async with database(settings) as sessions, sessions() as session:
        polls = PollRepository(session)
        rows = []
        counts = await BallotRepository(session).count_by_status()
        for poll in await polls.list():
            tally = counts.get(poll.id, {})
            rows.append([
                str(poll.id), poll.state, shown(poll.opens_at), shown(poll.closes_at),
                "all" if poll.all_houses else str(await polls.house_count(poll)),
                f"{poll.identity_level}/{poll.apartment_level}",
                "/".join(str(tally.get(s, 0)) for s in ("counted", "pending", "rejected")),
                cut(poll.title, TITLE_SHOWN),
            ])
    if not rows:
        print("no polls yet: create one with `python -m bot poll create`")
        return 0
    header = ["ID", "STATE", "OPENS", "CLOSES", "HOUSES", "LEVELS", "COUNTED/PENDING/REJECTED", "TITLE"]
    print(table(header, rows))
    return 0
