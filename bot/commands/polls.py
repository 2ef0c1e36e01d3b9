"""`poll create|open|close|list|dashboard`: the operator's side of a poll's life, through the same
desk as the bot's `/admin` (services/poll_desk.py), each action in the audit log as "cli"."""
from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.moments import EXAMPLES, parse_moment, shown
from bot.commands.runtime import CommandError, cut, database, table
from bot.settings import load_settings
from counting.rules import CountingRules
from verification.levels import Levels

if TYPE_CHECKING:
    from services.poll_desk import Dashboard, Houses
    from storage.models import Poll

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
    create.add_argument("--description", default="", help="what residents read before the first question")
    create.add_argument("--title-en", default="", help="the title residents see in English")
    create.add_argument("--question-en", default="", help="the question in English (with --title-en)")
    create.add_argument("--description-en", default="", help="the description in English")
    where = create.add_mutually_exclusive_group()
    where.add_argument(
        "--houses",
        default="all",
        metavar="all|FILE.csv",
        help="'all' (default) or a CSV with a unom column listing the houses taking part",
    )
    where.add_argument("--okrug", metavar="NAME", help="the houses of one okrug, e.g. СВАО")
    where.add_argument("--district", metavar="NAME", help="the houses of one district, e.g. Ярославский")
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

    dashboard = actions.add_parser(
        "dashboard", help="a poll's numbers now",
        description="Shows a poll's ballots by status and channel, the verification backlog and the "
        "oldest ballot's wait, overdue verdicts (as `report overdue` counts them) and turnout (flats "
        "voted of the flats in the poll's houses). Nothing personal is shown.")
    dashboard.add_argument("poll_id", metavar="ID", type=int, help="the poll's id (see `poll list`)")
    dashboard.set_defaults(handler=show_dashboard)


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
    from services.poll_desk import NewPoll, PollDesk, Refused
    from storage.repositories import PollRepository

    settings = load_settings()
    opens = args.opens or datetime.now(UTC).replace(second=0, microsecond=0)
    closes = args.closes or opens + timedelta(days=DEFAULT_DAYS_OPEN)
    async with database(settings) as sessions, sessions() as session:
        desk = PollDesk(session)
        new = NewPoll(
            title=args.title, question=args.question, opens_at=opens, closes_at=closes,
            houses=_houses(args), description=args.description, title_en=args.title_en,
            question_en=args.question_en, description_en=args.description_en, levels=args.levels,
            rules=args.rules, min_age=args.min_age, verdict_days=args.verdict_days, live_turnout=args.live_turnout)
        try:
            poll = await desk.create(new)
        except Refused as refused:
            where = f"{args.houses}: " if refused.code.startswith("list.") else ""
            raise CommandError(where + str(refused)) from None
        houses = await PollRepository(session).house_count(poll)
    print(f"poll {poll.id} created as a draft: {poll.title}")
    if poll.title_en:
        print(f"  in English: {poll.title_en}")
    print(f"  opens {shown(poll.opens_at)}, closes {shown(poll.closes_at)}; "
          f"{'all' if poll.all_houses else houses} houses; {poll.levels}; min age {poll.min_age}"
          f"{'; turnout shown while it runs' if poll.live_turnout else ''}")
    print(f"  counting rules: {PollRepository.counting_rules(poll).canonical_json()}")
    print(f"  start it with: python -m bot poll open {poll.id}")
    return 0


def _houses(args: argparse.Namespace) -> Houses:
    from services.poll_desk import Houses, HouseScope, Refused, read_house_list

    if args.okrug:
        return Houses(HouseScope.OKRUG, args.okrug.strip())
    if args.district:
        return Houses(HouseScope.DISTRICT, args.district.strip())
    if args.houses.strip().lower() == "all":
        return Houses()
    path = Path(args.houses)
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    try:
        listed = read_house_list(path.read_bytes(), path.name)
    except Refused as refused:
        raise CommandError(f"{path}: {refused.params.get('text', refused)}") from None
    if listed.problems:
        raise CommandError(f"{path}: " + "; ".join(f"line {line}: {_problem(code, value)}"
                                                   for line, code, value in listed.problems))
    if not listed.unoms:
        raise CommandError(f"{path} lists no houses")
    return Houses(HouseScope.LISTED, unoms=listed.unoms)


def _problem(code: str, value: str) -> str:
    return f"unom must be a whole number, not {value!r}" if code == "list.unom" else value


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
    from services.poll_desk import PollDesk, Refused

    settings = load_settings()
    async with database(settings) as sessions, sessions() as session:
        desk = PollDesk(session)
        try:
            return await (desk.open(poll_id) if action == "open" else desk.close(poll_id))
        except Refused as error:
            raise CommandError(str(error)) from None


async def show_dashboard(args: argparse.Namespace) -> int:
    from services.poll_desk import PollDesk, Refused

    async with database(load_settings()) as sessions, sessions() as session:
        try:
            dashboard = await PollDesk(session).dashboard(args.poll_id)
        except Refused as error:
            raise CommandError(str(error)) from None
    print(dashboard_text(dashboard))
    return 0


def dashboard_text(d: Dashboard) -> str:
    """The dashboard as the operator reads it in a terminal."""
    statuses = ("counted", "pending", "rejected")
    lines = [f"poll {d.poll_id} ({d.state}): {d.title}",
             f"  opens {shown(d.opens_at)}, closes {shown(d.closes_at)}; {d.houses:,} houses; "
             f"{d.publications} publication(s)",
             f"  ballots: {d.ballots:,} — " + ", ".join(f"{s} {d.by_status.get(s, 0):,}" for s in statuses)]
    rows = [[channel, *(f"{d.by_channel.get(channel, {}).get(s, 0):,}" for s in statuses)]
            for channel in sorted(d.by_channel)]
    lines.append(table(["CHANNEL", *(s.upper() for s in statuses)], rows))
    waited = f"; the oldest waits {_duration(d.oldest_waiting)}" if d.oldest_waiting is not None else ""
    lines.append(f"  verification backlog: {d.backlog:,}{waited}")
    lines.append(f"  overdue verdicts: {d.overdue:,}")
    share = f" ({d.turnout:.1%})" if d.turnout is not None else ""
    unsized = f"; {d.houses_without_size:,} houses of unknown size" if d.houses_without_size else ""
    lines.append(f"  turnout: {d.flats_voted:,} flats voted of {d.flats_total:,}{share}; "
                 f"{d.flats_counted:,} with a counted ballot{unsized}")
    return "\n".join(lines)


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    return f"{days}d {hours}h" if days else f"{hours}h {minutes}m"


async def list_polls(args: argparse.Namespace) -> int:
    from storage.repositories import BallotRepository, PollRepository

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
