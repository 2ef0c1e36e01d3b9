"""`compile-texts`: compiles the message catalogues as the bot does at start, and says what is wrong."""
from __future__ import annotations

import argparse


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "compile-texts",
        help="check the message catalogues (.po) compile and are complete",
        description="Compiles every bot/locales/<language>/LC_MESSAGES/<area>.po in memory, as the "
        "bot does when it starts (nothing is written), and lists what is wrong: a file that does "
        "not parse, an untranslated or fuzzy entry, a translation that changes the {placeholders}, "
        "a message id in two areas of one language.",
        epilog="Exit code 0: the catalogues are sound; 1: problems were listed.",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # bot.i18n pulls in aiogram, seconds to import: the other commands should not wait for it.
    from bot.i18n import LOCALES_DIR, check_catalogues, load_translations

    problems = check_catalogues(LOCALES_DIR)
    for problem in problems:
        print(problem)
    if problems:
        print(f"catalogues: {len(problems)} problem(s) in {LOCALES_DIR}")
        return 1
    languages = load_translations(LOCALES_DIR)
    print(f"catalogues compiled: {', '.join(sorted(languages))} ({LOCALES_DIR})")
    return 0
