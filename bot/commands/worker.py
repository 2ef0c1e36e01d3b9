"""`worker`: verifies pending ballots against the registries and sends the verdict notices."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from datetime import timedelta

from bot.keys import vault_of
from bot.commands.runtime import CommandError, database
from bot.settings import load_settings
from storage.pii import PiiVault
from storage.registry_tables import RegistryTables
from verification.asking import Registries

log = logging.getLogger("bot.worker")


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "worker",
        help="verify pending ballots and send verdict notices",
        description="Takes pending ballots in batches, checks them against the registries (the "
        "imported registry tables, or an agency gateway with --registries-url), records each "
        "verdict and queues its notice, and sends the notices through the bot (BOT_TOKEN, "
        "BOT_API_URL) at a global rate. Runs until SIGINT/SIGTERM. Several workers may run on "
        "PostgreSQL; on SQLite run one.",
    )
    parser.add_argument("--only", choices=("verify", "notify"),
                        help="run only the verifier or only the notice sender")
    parser.add_argument("--batch-size", type=_positive, default=500, metavar="N",
                        help="ballots per verification batch (default 500; with --registries-url "
                        "keep batches small enough to finish well within --lease, e.g. 50)")
    parser.add_argument("--rate", type=_positive, default=25, metavar="N",
                        help="notices per second at most (default 25)")
    parser.add_argument("--idle-sleep", type=_seconds, default=1.0, metavar="S",
                        help="seconds between looks for new work when idle (default 1)")
    parser.add_argument("--lease", type=_seconds, default=300.0, metavar="S",
                        help="seconds a batch stays with this worker before another may take "
                        "it, should this one die (default 300)")
    parser.add_argument("--notice-lease", type=_seconds, default=60.0, metavar="S",
                        help="the same for a notice being sent (default 60)")
    parser.add_argument("--retry-after", type=_seconds, default=60.0, metavar="S",
                        help="first pause before asking an unavailable registry again; it "
                        "doubles up to 30 minutes (default 60)")
    parser.add_argument("--registries-url", metavar="URL",
                        help="the agency gateway (HTTP) instead of the imported registry tables")
    parser.set_defaults(handler=run)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


@contextlib.asynccontextmanager
async def _registries(url: str | None, sessions, vault: PiiVault | None) -> AsyncIterator[object]:
    if vault is None:  # notices only: no registry is asked
        yield None
        return
    if not url:
        yield RegistryTables(sessions, vault)
        return
    from bot.registries.http import HttpRegistries

    async with HttpRegistries(url) as gateway:
        yield Registries(gateway, gateway, gateway, gateway)


async def run(args: argparse.Namespace) -> int:
    # aiogram takes seconds to import: only this command pays for it
    from bot.runners import create_bot
    from bot.worker import run_notices, run_verifier, tune_gc
    from services.checking import RetryDelays

    settings = load_settings()
    vault = vault_of(settings) if args.only != "notify" else None
    if args.only != "verify":
        settings.require("BOT_TOKEN")
    if args.registries_url and not args.registries_url.startswith(("http://", "https://")):
        raise CommandError("--registries-url must be an http:// or https:// address")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    tune_gc()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with database(settings) as sessions, _registries(args.registries_url, sessions, vault) as registries:
        tasks = []
        if args.only != "notify":
            retry = RetryDelays(timedelta(seconds=args.retry_after), timedelta(minutes=30))
            tasks.append(run_verifier(session_factory=sessions, vault=vault, registries=registries,
                                      stop=stop, batch_size=args.batch_size,
                                      idle_sleep=args.idle_sleep,
                                      lease=timedelta(seconds=args.lease), retry=retry))
        bot = None
        if args.only != "verify":
            bot = create_bot(settings.bot_token.get_secret_value(), settings.bot_api_url)
            tasks.append(run_notices(session_factory=sessions, bot=bot, stop=stop, rate=args.rate,
                                     idle_sleep=min(args.idle_sleep, 0.5),
                                     lease=timedelta(seconds=args.notice_lease)))
        log.info("worker started (%s)", args.only or "verify and notify")
        try:
            await asyncio.gather(*tasks)
        finally:
            if bot is not None:
                await bot.session.close()
    log.info("worker stopped")
    return 0
