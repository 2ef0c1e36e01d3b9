"""`keys`: fresh keys for .env; `keys status` and `keys rotate`: which encryption key seals what,
and everything re-sealed with the current one."""
from __future__ import annotations

import argparse
import secrets

from bot.commands.runtime import positive_int

BATCH = 500


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
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    status = actions.add_parser(
        "status", help="how many sealed rows each encryption key version holds",
        description="Counts the sealed rows of every table by the key version they were sealed with.")
    status.set_defaults(handler=run_status)
    rotate = actions.add_parser(
        "rotate", help="re-seal everything with the current encryption key, in batches",
        description="Re-seals every row sealed with a retired key with the current one "
        "(PII_KEY_VERSION, PII_ENCRYPTION_KEY), a batch to a transaction; the bot may run meanwhile. "
        "To rotate: generate a key with `python -m bot keys`, move the old one to PII_RETIRED_KEYS "
        "as '<old version>:<old key>', set PII_ENCRYPTION_KEY to the new key and PII_KEY_VERSION to "
        "a higher number, restart the bot and workers, then run this. Interrupted, it carries on "
        "where it stopped when run again. When `keys status` shows only the current version, the "
        "retired key can be removed.",
        epilog="Exit code 0: nothing sealed with a retired key is left; 1: rows no configured key "
        "opens remain (named by table and id).")
    rotate.add_argument("--batch", type=positive_int, default=BATCH, metavar="N",
                        help=f"rows re-sealed per transaction (default {BATCH})")
    rotate.set_defaults(handler=run_rotate)


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


async def run_status(args: argparse.Namespace) -> int:
    from bot.commands.runtime import database, table
    from bot.keys import vault_of, with_sandbox_keys
    from bot.settings import load_settings
    from storage.rekey import SEALED_COLUMNS, versions_in_use

    settings = with_sandbox_keys(load_settings())
    vault = vault_of(settings)
    rows = []
    async with database(settings) as sessions, sessions() as session:
        for sealed in SEALED_COLUMNS:
            for version, count in sorted((await versions_in_use(session, sealed)).items(),
                                         key=lambda item: (item[0] is None, item[0])):
                state = "current" if version == vault.key_version else (
                    "retired" if version in vault.versions else "no key configured")
                rows.append([sealed.name, "?" if version is None else str(version), f"{count:,}", state])
    if not rows:
        print("nothing is sealed yet")
        return 0
    print(table(["SEALED", "KEY VERSION", "ROWS", "KEY"], rows))
    return 0


async def run_rotate(args: argparse.Namespace) -> int:
    from bot.commands.runtime import database, table
    from bot.keys import vault_of, with_sandbox_keys
    from bot.settings import load_settings
    from storage.rekey import SEALED_COLUMNS, Progress, reseal_batch

    settings = with_sandbox_keys(load_settings())
    vault = vault_of(settings)
    rows, unreadable = [], []
    async with database(settings) as sessions:
        for sealed in SEALED_COLUMNS:
            progress = Progress()
            while True:
                async with sessions() as session, session.begin():
                    if not await reseal_batch(session, sealed, vault, progress, batch=args.batch):
                        break
            rows.append([sealed.name, f"{progress.resealed:,}", f"{progress.overtaken:,}",
                         f"{len(progress.unreadable):,}"])
            unreadable += [f"{sealed.name} {key}" for key in progress.unreadable]
    print(f"re-sealed with key version {vault.key_version}:")
    print(table(["SEALED", "RE-SEALED", "CHANGED MEANWHILE", "UNREADABLE"], rows))
    if unreadable:
        shown = ", ".join(unreadable[:10]) + (f" and {len(unreadable) - 10} more" if len(unreadable) > 10 else "")
        print(f"no configured key opens: {shown}: add the key they were sealed with to PII_RETIRED_KEYS")
        return 1
    return 0
