"""`keys`: fresh personal-data keys for .env."""
from __future__ import annotations

import argparse
import secrets


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "keys",
        help="print new PII_HMAC_KEY, PII_ENCRYPTION_KEY, BOARD_SIGNING_KEY and WEBHOOK_SECRET lines for .env",
        description="Prints three new random 32-byte keys and a webhook secret as .env lines: "
        "python -m bot keys >> .env. "
        "Generate them once per deployment and back them up: without the first two the stored "
        "personal data can be neither matched nor read; the third signs the public board's "
        "checkpoints (its public half, printed as a comment, is what residents verify with); the "
        "webhook secret is what Telegram sends with every update in webhook mode.",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from board.checkpoint import Signer
    from bot.settings import load_settings

    name = load_settings().board_name
    print("# personal-data keys: keep secret, back up, never change on a live database")
    print(f"PII_HMAC_KEY={secrets.token_hex(32)}")
    print(f"PII_ENCRYPTION_KEY={secrets.token_hex(32)}")
    seed = secrets.token_bytes(32)
    print(f"# the public board's verifier key: {Signer(name, seed).vkey}")
    print(f"BOARD_SIGNING_KEY={seed.hex()}")
    print("# webhook mode: Telegram sends it with every update; change it at will (processes re-register)")
    print(f"WEBHOOK_SECRET={secrets.token_urlsafe(32)}")
    return 0
