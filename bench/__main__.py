"""python -m bench [--only NAME ...] [--markdown]: run the benchmark suites, print one table.
python -m bench load --bots K --residents N [--kill]: whole votes through K webhook processes.
python -m bench faults [--database sqlite|postgres|both] [--votes N]: the same, with kills and outages.
python -m bench city [--residents N] [--ballots M]: one bot process's memory on a city-sized database.

Each suite is a module with `rows() -> list[Row]` (or `async def rows()`).
"""
from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import sys

from bench.table import Row, render

SUITES = ("bench.search", "bench.dialogue", "bench.verification", "bench.counting", "bench.counting_database")
SUITES += ("bench.web", "bench.board", "bench.stats", "bench.broadcast")


def _run(name: str) -> list[Row]:
    rows = importlib.import_module(name).rows
    result = rows()
    return asyncio.run(result) if inspect.isawaitable(result) else result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["load"]:  # the production topology: processes of its own, PostgreSQL and Redis
        from bench import load

        return load.main(argv[1:])
    if argv[:1] == ["faults"]:  # the same topology, hurt on purpose: servers and processes of its own
        from bench import faults

        return faults.main(argv[1:])
    if argv[:1] == ["city"]:  # one bot process's memory on a city-sized PostgreSQL database
        from bench import city

        return city.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", nargs="+", metavar="NAME", default=[],
                        help="suites to run, e.g. search or bench.search")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    wanted = {name if name.startswith("bench.") else f"bench.{name}" for name in args.only}
    unknown = wanted - set(SUITES)
    if unknown:
        parser.error(f"unknown suite(s): {', '.join(sorted(unknown))}; known: {', '.join(SUITES)}")
    rows: list[Row] = []
    for name in SUITES:
        if not wanted or name in wanted:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            rows.extend(_run(name))
    print(render(rows, markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
