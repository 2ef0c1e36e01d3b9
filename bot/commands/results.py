"""`count`, `publish`, `export results` and `import-protocols`: a poll's results, by its frozen rules."""
from __future__ import annotations

import argparse
import csv
import sys
from datetime import datetime
from pathlib import Path

from bot.commands import board
from bot.commands.runtime import CommandError, cut, database, table
from bot.settings import load_settings

CLOSEST = 10


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    count = subcommands.add_parser(
        "count", help="count a poll now (a dry run)",
        description="Counts a poll's counted ballots by its rules and prints the totals and the houses "
        "closest to the threshold. Nothing is written.")
    count.add_argument("poll", type=int, metavar="POLL")
    count.set_defaults(handler=run_count)
    publish = subcommands.add_parser(
        "publish", help="publish a closed poll's results",
        description="Counts a closed poll and stores the results as a new numbered publication; "
        "nothing new since the last one: it is shown again. Refused while the poll is open.")
    publish.add_argument("poll", type=int, metavar="POLL")
    publish.set_defaults(handler=run_publish)
    export = subcommands.add_parser("export", help="export published data",
                                    description="Exports published data.")
    kinds = export.add_subparsers(dest="kind", required=True, metavar="WHAT")
    results = kinds.add_parser("results", help="a publication's per-house results",
                               description="Writes the per-house results of the poll's latest publication "
                               "(or --publication N) as CSV or JSON, with the rules and their SHA-256.")
    results.add_argument("poll", type=int, metavar="POLL")
    results.add_argument("--format", choices=("csv", "json"), default="csv")
    results.add_argument("--publication", type=int, metavar="N", help="default: the latest")
    results.add_argument("--output", type=Path, metavar="FILE", help="default: standard output")
    results.set_defaults(handler=run_export)
    board.add_kind(kinds)
    protocols = subcommands.add_parser(
        "import-protocols", help="import general meetings' protocols",
        description="Reads a CSV with a header row: unom, decision (included | excluded), date "
        "(dd.mm.yyyy), number. A protocol takes precedence over the online count for its house. Bad "
        "rows are reported by line; the others are imported.")
    protocols.add_argument("poll", type=int, metavar="POLL")
    protocols.add_argument("file", type=Path, metavar="FILE.csv")
    protocols.set_defaults(handler=run_import_protocols)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


async def run_count(args: argparse.Namespace) -> int:
    from services.results import ResultsDesk

    async with database(load_settings()) as sessions, sessions() as session:
        count = await _counted(ResultsDesk(session), args.poll)
        addresses = await _addresses(session)
    decisions = count.totals.decisions
    print(f"poll {args.poll}: {count.ballots:,} counted ballots, {count.totals.flats_voted:,} flats voted, "
          f"{len(count.superseded):,} ballots superseded by the same person's other channel")
    print(f"rules {count.rules.canonical_json()} (SHA-256 {count.rules.digest()})")
    print(table(["INCLUDED", "EXCLUDED", "NO DECISION", "BY PROTOCOL"],
                [[str(decisions["included"]), str(decisions["excluded"]), str(decisions["no_decision"]),
                  str(count.totals.by_protocol)]]))
    near = sorted((r for r in count.results if r.base and r.protocol is None),
                  key=lambda r: abs(r.effective_for / r.base - r.threshold))[:CLOSEST]
    if near:
        print("closest to the threshold:")
        print(table(["HOUSE", "FOR", "DECISION"],
                    [[cut(addresses.get(r.house, str(r.house)), 60), _pct(r.for_pct), r.decision.value]
                     for r in near]))
    return 0


async def run_publish(args: argparse.Namespace) -> int:
    from bot.keys import signer_of, vault_of, with_sandbox_keys
    from services.board import BoardDesk, KeyChanged
    from services.results import NotClosed, ResultsDesk

    settings = with_sandbox_keys(load_settings())
    vault, signer = vault_of(settings), signer_of(settings)
    async with database(settings) as sessions, sessions() as session:
        desk = ResultsDesk(session, BoardDesk(session, vault, signer))
        try:
            publication, new = await desk.publish(args.poll)
        except (NotClosed, KeyChanged) as error:
            raise CommandError(str(error)) from None
        except LookupError:
            raise CommandError(f"there is no poll {args.poll}") from None
        notices = await desk.results_notices(publication.id) if new else 0
    decisions = publication.totals["decisions"]
    verb = "published" if new else "nothing new since; still"
    print(f"{verb} publication {publication.number} of poll {args.poll}: {decisions['included']:,} included, "
          f"{decisions['excluded']:,} excluded, {decisions['no_decision']:,} without a decision "
          f"(rules SHA-256 {publication.rules_digest})")
    if new:
        print(f"{notices:,} results notices queued for the voters (one per resident and house)")
    if publication.board_size is not None:
        print(f"the public board holds {publication.board_size:,} rows; checkpoint signed by {signer.vkey}")
    return 0


async def run_export(args: argparse.Namespace) -> int:
    from services.exports import EXPORTS, PublicResults

    async with database(load_settings()) as sessions, sessions() as session:
        public = PublicResults(session)
        publication = await public.publication(args.poll, args.publication)
        if publication is None:
            which = f" {args.publication}" if args.publication else ""
            raise CommandError(f"poll {args.poll} has no publication{which}")
        results = await public.published(publication)
    text = EXPORTS[args.format](results)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"{len(results.houses):,} houses of publication {publication.number} written to {args.output}",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


async def run_import_protocols(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from storage.models import House
    from storage.repositories import ResultsRepository

    if not args.file.is_file():
        raise CommandError(f"{args.file}: no such file")
    async with database(load_settings()) as sessions, sessions.begin() as session:
        ids = dict((await session.execute(select(House.unom, House.id))).all())
        repository, imported, bad = ResultsRepository(session), 0, []
        with args.file.open(encoding="utf-8-sig", newline="") as source:
            for line, row in enumerate(csv.DictReader(source), start=2):
                try:
                    house_id = ids[int((row.get("unom") or "").strip())]
                except (KeyError, ValueError):
                    bad.append(f"line {line}: unom {row.get('unom')!r} is not a known house")
                    continue
                decision = (row.get("decision") or "").strip().lower()
                if decision not in ("included", "excluded"):
                    bad.append(f"line {line}: decision must be included or excluded")
                    continue
                try:
                    held_on = datetime.strptime((row.get("date") or "").strip(), "%d.%m.%Y").date()
                except ValueError:
                    bad.append(f"line {line}: date must be dd.mm.yyyy")
                    continue
                number = (row.get("number") or "").strip()
                if not number or len(number) > 64:
                    bad.append(f"line {line}: number is required (at most 64 characters)")
                    continue
                await repository.add_protocol(args.poll, house_id, included=decision == "included",
                                              held_on=held_on, number=number)
                imported += 1
    for problem in bad:
        print(problem, file=sys.stderr)
    print(f"{imported:,} protocols imported, {len(bad):,} rows refused")
    return 0 if not bad else 1


async def _counted(desk, poll_id: int):
    try:
        return await desk.count(poll_id)
    except LookupError:
        raise CommandError(f"there is no poll {poll_id}") from None


async def _addresses(session) -> dict[int, str]:
    from sqlalchemy import select

    from storage.models import House

    return dict((await session.execute(select(House.id, House.address))).all())
