"""`worker`: verifies pending ballots against the registries and sends the verdict notices."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.runtime import CommandError, database, metrics_listen
from bot.logs import configure_logging
from bot.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from storage.pii import PiiVault

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
    parser.add_argument("--metrics", type=metrics_listen, metavar="HOST:PORT",
                        help="serve /metrics (Prometheus) and /healthz there")
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
                        help="the agency gateway (https) instead of the imported registry tables; "
                        "it needs REGISTRY_TOKEN and REGISTRY_ANSWER_KEY (see .env.example)")
    parser.add_argument("--registry-cool-down", type=_seconds, default=30.0, metavar="S",
                        help="with --registries-url: seconds a registry that failed five times in a "
                        "row is left alone before one request tries it again (default 30)")
    parser.add_argument("--registry-token-file", metavar="FILE", type=Path,
                        help="read the gateway's bearer token from FILE instead of REGISTRY_TOKEN "
                        "(a token on the command line would show in the process list)")
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


@dataclass(frozen=True, slots=True)
class GatewayAccess:
    """Where the agency gateway is and how to talk to it safely, checked before anything starts."""

    url: str
    token: str
    answer_key: bytes
    allow_plain_http: bool


def gateway_access(settings: Settings, url: str, token_file: Path | None) -> GatewayAccess:
    from bot.registries.http import check_gateway_url

    try:
        checked = check_gateway_url(url, allow_plain_http=settings.registry_allow_plain_http)
    except ValueError as error:
        raise CommandError(f"--registries-url {error}") from None
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"--registry-token-file: cannot read {token_file} ({type(error).__name__})") from None
        try:
            load_settings(registry_token=token)
        except ConfigError as error:
            raise CommandError(f"--registry-token-file: {str(error).split(': ', 1)[-1]}") from None
    else:
        token = settings.registry_token.get_secret_value()
    if not token:
        raise CommandError("REGISTRY_TOKEN is not set: the gateway's bearer token (or --registry-token-file)")
    return GatewayAccess(checked, token, settings.registry_key, settings.registry_allow_plain_http)


@contextlib.asynccontextmanager
async def _registries(gateway: GatewayAccess | None, sessions, vault: PiiVault | None, *,
                      cool_down: float = 30.0) -> AsyncIterator[object]:
    if vault is None:  # notices only: no registry is asked
        yield None
        return
    if gateway is None:
        from storage.registry_tables import RegistryTables

        yield RegistryTables(sessions, vault)
        return
    from bot.registries.http import HttpRegistries
    from verification.asking import Registries

    async with HttpRegistries(gateway.url, token=gateway.token, answer_key=gateway.answer_key,
                              allow_plain_http=gateway.allow_plain_http, cool_down=cool_down) as adapter:
        yield Registries(adapter, adapter, adapter, adapter)


async def run(args: argparse.Namespace) -> int:
    from bot.keys import vault_of

    settings = load_settings()
    vault = vault_of(settings) if args.only != "notify" else None
    if args.only != "verify":
        settings.require("BOT_TOKEN")
    gateway = None
    if args.registries_url and args.only != "notify":
        gateway = gateway_access(settings, args.registries_url, args.registry_token_file)
    # aiogram takes seconds to import: only this command pays for it, once the settings hold
    from bot.runners import create_bot
    from bot.worker import run_notices, run_verifier, tune_gc
    from services.checking import RetryDelays

    configure_logging(settings.log_format)
    tune_gc()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    from bot.metrics import DatabaseFigures, metrics_served

    async with database(settings) as sessions, \
            _registries(gateway, sessions, vault, cool_down=args.registry_cool_down) as registries, \
            metrics_served(args.metrics, DatabaseFigures(sessions)):
        tasks = []
        if args.only != "notify":
            retry = RetryDelays(timedelta(seconds=args.retry_after), timedelta(minutes=30))
            tasks.append(run_verifier(session_factory=sessions, vault=vault, registries=registries,
                                      stop=stop, batch_size=args.batch_size,
                                      idle_sleep=args.idle_sleep,
                                      lease=timedelta(seconds=args.lease), retry=retry))
        bot = redis = None
        if args.only != "verify":
            from redis.asyncio import Redis

            from bot.ratelimit import create_limiter

            bot = create_bot(settings.bot_token.get_secret_value(), settings.bot_api_url)
            # the same rate as every broadcaster and notice sender of the bot: one limiter in Redis
            redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
            limiter = create_limiter(redis, prefix=settings.redis_prefix, token=settings.bot_token.get_secret_value())
            tasks.append(run_notices(session_factory=sessions, bot=bot, stop=stop, rate=args.rate,
                                     idle_sleep=min(args.idle_sleep, 0.5),
                                     lease=timedelta(seconds=args.notice_lease), limiter=limiter))
        log.info("worker started (%s)", args.only or "verify and notify")
        try:
            await asyncio.gather(*tasks)
        finally:
            if bot is not None:
                await bot.session.close()
            if redis is not None:
                await redis.aclose()
    log.info("worker stopped")
    return 0
