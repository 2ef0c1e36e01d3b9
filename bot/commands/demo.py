"""`demo-registries`: made-up EIRC, MVD, PFR and Rosreestr extracts for houses, to try verification."""
from __future__ import annotations

import argparse
from pathlib import Path

from bot.commands.registry import import_file, print_report
from bot.commands.runtime import CommandError, filled_when_used
from bot.demo import HOUSES_CSV
from bot.settings import load_settings

SHOWN_FIELDS = ("full_name", "birth_date", "passport", "snils", "fls", "property_document")


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "demo-registries",
        help="write made-up registry extracts for some houses (and load them)",
        description="Invents residents for the houses in a CSV with unom and address columns "
        f"(e.g. {HOUSES_CSV}) and writes eirc.csv, mvd.csv, pfr.csv and "
        "rosreestr.csv; the same seed always gives the same files. A few deliberate "
        "inconsistencies (an invalid passport, someone else's SNILS, another flat's FLS) show "
        "rejections. Prints residents to vote as. With --import the files are loaded into the "
        "registry tables (the sandbox's keys are used when PII keys are not set).",
    )
    # the default --out is bot.demo.world's, which imports storage (SQLAlchemy): read once this command is used
    filled_when_used(parser, _arguments)
    parser.set_defaults(handler=run)


def _arguments(parser: argparse.ArgumentParser) -> None:
    from bot.demo.world import DEMO_REGISTRIES_DIR

    parser.add_argument("--houses", required=True, type=Path, metavar="FILE.csv",
                        help="houses CSV with unom and address columns")
    parser.add_argument("--flats-per-house", required=True, type=int, metavar="N",
                        help="flats to invent in each house")
    parser.add_argument("--seed", required=True, type=int, metavar="S", help="random seed")
    parser.add_argument("--out", type=Path, default=DEMO_REGISTRIES_DIR, metavar="DIR",
                        help=f"where to write the files (default {DEMO_REGISTRIES_DIR})")
    parser.add_argument("--limit-houses", type=int, metavar="N",
                        help="only the first N houses of the file")
    parser.add_argument("--import", dest="load", action="store_true",
                        help="also load the four files into the registry tables")


async def run(args: argparse.Namespace) -> int:
    from bot.demo.registries import COLUMNS, generate, houses_from_csv
    from bot.demo.world import sandbox_settings

    if args.flats_per_house < 1:
        raise CommandError("--flats-per-house must be at least 1")
    try:
        houses = houses_from_csv(args.houses)
    except FileNotFoundError:
        raise CommandError(f"{args.houses}: no such file") from None
    except (KeyError, ValueError, UnicodeDecodeError):
        raise CommandError(f"{args.houses}: needs a header with unom and address columns, "
                           "a whole-number unom on every row, UTF-8") from None
    if args.limit_houses is not None:
        houses = houses[: max(args.limit_houses, 0)]
    if not houses:
        raise CommandError(f"{args.houses}: no houses")
    summary = generate(houses, args.flats_per_house, args.seed, args.out)
    print(f"{summary.houses} houses, {summary.flats} flats, {summary.people} people → {summary.out_dir}")
    for name in COLUMNS:
        print(f"  {summary.files[name].name}: {summary.rows[name]} rows")
    print("residents to vote as (made up):")
    for resident in summary.residents:
        outcome = resident["outcome"] + (f" ({resident['reason']})" if resident["reason"] else "")
        typed = "; ".join(resident[f] for f in SHOWN_FIELDS if resident.get(f))
        print(f"  {resident['kind']}: {resident['address']}, кв. {resident['flat']} — {typed} "
              f"[levels {resident['levels']}] → {outcome}")
    if not args.load:
        return 0
    settings = sandbox_settings(load_settings())
    failed = False
    for name in COLUMNS:
        report = await import_file(settings, name, summary.files[name])
        print_report(summary.files[name], report)
        failed = failed or bool(report.errors)
    return 1 if failed else 0
