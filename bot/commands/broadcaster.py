"""`python -m bot broadcaster`: sends the announcements admins launched in the bot."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from datetime import timedelta

from bot.commands.runtime import database, metrics_listen
from bot.logs import configure_logging
from bot.settings import load_settings


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "broadcaster",
        help="send the announcements admins launched",
        description="Sends every announcement being sent, row by row, through the bot (BOT_TOKEN, "
        "BOT_API_URL) at BROADCAST_RATE messages a second (BROADCAST_PAID_RATE for a paid one, when "
        "BROADCAST_PAID is set) and at most one a second per chat. With REDIS_URL every broadcaster "
        "and notice sender of the token shares one rate and Telegram's flood waits; several "
        "broadcasters may then run on PostgreSQL. A broadcaster killed mid-way loses nothing: the rows "
        "it held are sent again once their lease runs out, and counted. Runs until SIGINT/SIGTERM.",
    )
    parser.add_argument("--lease", type=_seconds, default=60.0, metavar="S",
                        help="seconds a batch of rows stays with this broadcaster before another may "
                        "take it, should this one die (default 60)")
    parser.add_argument("--metrics", type=metrics_listen, metavar="HOST:PORT",
                        help="serve /metrics (Prometheus) and /healthz there")
    parser.add_argument("--idle-sleep", type=_seconds, default=1.0, metavar="S",
                        help="seconds between looks for new announcements when idle (default 1)")
    parser.add_argument("--progress-every", type=_seconds, default=2.0, metavar="S",
                        help="seconds between edits of an announcement's progress message (default 2)")
    parser.set_defaults(handler=run)


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


async def run(args: argparse.Namespace) -> int:
    # aiogram takes seconds to import: only this command pays for it
    from redis.asyncio import Redis

    from bot.metrics import DatabaseFigures, metrics_served
    from bot.ratelimit import create_limiter
    from bot.telegram import create_bot
    from bot.worker import tune_gc
    from bot.worker.broadcaster import run_broadcaster

    settings = load_settings()
    settings.require("BOT_TOKEN")
    configure_logging(settings.log_format)
    log = logging.getLogger("bot.broadcaster")
    tune_gc()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    token = settings.bot_token.get_secret_value()
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    bot = create_bot(token, settings.bot_api_url)
    try:
        async with database(settings) as sessions, metrics_served(args.metrics, DatabaseFigures(sessions)):
            limiter = create_limiter(redis, prefix=settings.redis_prefix, token=token)
            log.info("broadcaster started (%s rate)", "a shared" if redis is not None else "this process's")
            sent = await run_broadcaster(session_factory=sessions, bot=bot, stop=stop, limiter=limiter,
                                         idle_sleep=args.idle_sleep, lease=timedelta(seconds=args.lease),
                                         progress_every=args.progress_every)
    finally:
        await bot.session.close()
        if redis is not None:
            await redis.aclose()
    log.info("broadcaster stopped: %d messages sent", sent)
    return 0
