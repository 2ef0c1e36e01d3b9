"""`import-registry eirc|mvd|pfr|rosreestr FILE.csv`: loads a registry extract for verification."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.runtime import CommandError, database, filled_when_used
from bot.settings import Settings, load_settings

if TYPE_CHECKING:
    from storage.registry_import import RegistryImport


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "import-registry",
        help="load a registry extract (EIRC, MVD, PFR, Rosreestr) for ballot verification",
        epilog="Exit code 0: every row imported; 1: some rows were rejected; 2: the file or the "
        "settings could not be used (the registry is then left as it was).",
    )
    # the registries and their columns live in storage (SQLAlchemy): read once this command is used
    filled_when_used(parser, _fill)
    parser.set_defaults(handler=run)


def _fill(parser: argparse.ArgumentParser) -> None:
    from storage.models import Registry
    from storage.registry_import import COLUMNS

    columns = "; ".join(f"{r.value}: {', '.join(COLUMNS[r])}" for r in Registry)
    parser.description = ("Replaces a registry's records with a UTF-8 CSV extract (header row, dates "
                          f"dd.mm.yyyy). Columns — {columns}. Identifiers and names are stored only as keyed "
                          "digests (PII_HMAC_KEY); a bad row is reported with its line number and skipped, the "
                          "rest are imported in one transaction.")
    parser.add_argument("registry", choices=[r.value for r in Registry], help="which registry")
    parser.add_argument("file", metavar="FILE.csv", type=Path, help="the extract")


async def import_file(settings: Settings, registry: str, path: Path) -> RegistryImport:
    """Imports one extract in one transaction; CommandError when the file cannot be used."""
    from bot.keys import vault_of
    from storage.registry_import import RegistryFileError, import_registry

    vault = vault_of(settings)
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    async with database(settings) as sessions, sessions.begin() as session:
        try:
            return await import_registry(session, registry, path, vault)
        except RegistryFileError as error:
            raise CommandError(str(error)) from None


def print_report(path: Path, report: RegistryImport) -> None:
    print(f"{report.registry}: {report.imported} records imported (replacing {report.replaced}), "
          f"rejected rows: {len(report.errors)}")
    for line_no, message in report.errors:
        print(f"{path}: line {line_no}: {message}")


async def run(args: argparse.Namespace) -> int:
    report = await import_file(load_settings(), args.registry, args.file)
    print_report(args.file, report)
    return 1 if report.errors else 0
