"""`replay-2017`: the 2017 renovation vote counted again from replayed ballots."""
from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from bot.commands.runtime import cut, table
from bot.demo import HOUSES_CSV

SHOWN = 15


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "replay-2017", help="count the 2017 vote again from replayed ballots",
        description="Builds, for each of the 4,543 houses of the 2017 renovation vote, flats, voters "
        "and ballots (multi-owner flats, ties, silent flats, rejected ballots, paper ballots, people "
        "who voted on both channels, meeting protocols) whose count by the 326-ПП rules must give the "
        "city's published result; counts them and prints the comparison, and what the original "
        "245-ПП rule (silent flats counted as for) would have decided.",
        epilog="Exit code 0 when every house agrees with the published result; 1 otherwise.")
    parser.add_argument("--houses", type=Path, default=HOUSES_CSV, metavar="CSV",
                        help="the published results (default: the 2017 houses shipped with the bot)")
    parser.add_argument("--all-245", action="store_true", help="list every house 245-ПП would decide otherwise")
    parser.add_argument("--database", metavar="URL",
                        help="also write the replay into this empty database (e.g. sqlite+aiosqlite:///var/"
                        "replay.sqlite3) as a closed poll, count and publish it there, and compare that too")
    parser.set_defaults(handler=run_replay)


async def run_replay(args: argparse.Namespace) -> int:
    from bot.demo.replay2017 import count_replay, replay

    started = time.perf_counter()
    houses = list(replay(args.houses))
    compared = count_replay(houses)
    ballots = sum(len(h.ballots) for h in houses)
    counted = sum(1 for h in houses for b in h.ballots if b.counted)
    print(f"{len(houses):,} houses, {ballots:,} ballots of which {counted:,} counted, "
          f"replayed and counted in {time.perf_counter() - started:.1f} s")
    official = Counter(r.official.status for r in compared)
    ours = Counter(r.result.decision.value for r in compared)
    print(table(["", "INCLUDED", "EXCLUDED", "DECIDED OTHERWISE"],
                [["published", str(official["included"]), str(official["excluded"]), str(official["special"])],
                 ["counted", str(ours["included"]), str(ours["excluded"]), str(ours["no_decision"])]]))
    differ = [r for r in compared if not r.agrees]
    print(f"houses agreeing with the published share for and decision: {len(compared) - len(differ):,} "
          f"of {len(compared):,}")
    if differ:
        print(table(["UNOM", "ADDRESS", "PUBLISHED", "COUNTED"],
                    [[str(r.official.unom), cut(r.official.address, 50),
                      f"{r.official.for_pct} % {r.official.status}",
                      f"{r.result.for_pct or 0:.1f} % {r.result.decision.value}"] for r in differ[:SHOWN]]))
    flipped = [r for r in compared if r.by_245.decision != r.result.decision]
    # how many flats stayed silent is not published: this part speaks of the replayed ballots only
    print(f"on these ballots the original 245-ПП rule (silent flats counted as for) would decide "
          f"{len(flipped):,} houses otherwise, including "
          f"{sum(1 for r in compared if r.by_245.decision.value == 'included'):,}")
    shown = flipped if args.all_245 else flipped[:SHOWN]
    if shown:
        print(table(["UNOM", "ADDRESS", "326-ПП", "245-ПП"],
                    [[str(r.official.unom), cut(r.official.address, 50),
                      f"{r.result.for_pct or 0:.1f} % {r.result.decision.value}",
                      f"{r.by_245.for_pct or 0:.1f} % {r.by_245.decision.value}"] for r in shown]))
        if len(shown) < len(flipped):
            print(f"… and {len(flipped) - len(shown):,} more (--all-245 lists them)")
    if args.database:
        differ += await _through_database(args.database, args.houses, houses)
    return 0 if not differ else 1


async def _through_database(url: str, houses_csv: Path, houses: list) -> list:
    """The replay written into the database, counted and published there; the houses that differ."""
    from sqlalchemy import select

    from bot.demo.replay2017 import OFFICIAL
    from bot.demo.replay_database import load_replay
    from services.results import ResultsDesk
    from storage.database import create_engine, create_session_factory
    from storage.migrate import upgrade
    from storage.models import House
    from storage.repositories import ResultsRepository

    await upgrade(url)
    engine = create_engine(url)
    try:
        sessions = create_session_factory(engine)
        started = time.perf_counter()
        poll_id = await load_replay(sessions, houses_csv, houses)
        loaded = time.perf_counter()
        async with sessions() as session:
            publication, _new = await ResultsDesk(session).publish(poll_id, notify=False)
        published = time.perf_counter()
        async with sessions() as session:
            unoms = dict((await session.execute(select(House.id, House.unom))).all())
            stored = {unoms[row.house_id]: row for row in
                      await ResultsRepository(session).house_results(publication.id)}
    finally:
        await engine.dispose()
    official = {h.official.unom: h.official for h in houses}
    differ = [unom for unom, row in stored.items()
              if row.decision != OFFICIAL[official[unom].status]
              or (official[unom].status != "special" and round(row.for_pct or 0) != official[unom].for_pct)]
    print(f"through the database ({engine.url.get_backend_name()}): written in {loaded - started:.1f} s, "
          f"counted and published as publication {publication.number} (poll {poll_id}) in "
          f"{published - loaded:.1f} s; houses agreeing: {len(stored) - len(differ):,} of {len(stored):,}")
    return differ
