"""`keys`: fresh personal-data keys for .env."""
from __future__ import annotations

import argparse
import secrets


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "keys",
        help="print new PII_HMAC_KEY and PII_ENCRYPTION_KEY lines for .env",
        description="Prints two new random 32-byte keys as .env lines: python -m bot keys >> .env. "
        "Generate them once per deployment and back them up: without them the stored personal "
        "data can be neither matched nor read.",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print("# personal-data keys: keep secret, back up, never change on a live database")
    print(f"PII_HMAC_KEY={secrets.token_hex(32)}")
    print(f"PII_ENCRYPTION_KEY={secrets.token_hex(32)}")
    return 0
