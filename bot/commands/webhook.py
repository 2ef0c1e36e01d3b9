"""`webhook`: the bot taking updates from Telegram's webhook, one of N processes behind a balancer."""
from __future__ import annotations

import argparse

from bot.commands.run import PATIENCE, _seconds, ready_to_start, refused
from bot.commands.runtime import CommandError
from bot.settings import load_settings


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "webhook",
        help="run the bot on a webhook (production: several processes behind a balancer)",
        description="Serves Telegram's webhook at WEBHOOK_URL's path on WEBHOOK_LISTEN (default "
        "127.0.0.1:8081), with /healthz and /readyz. Needs WEBHOOK_URL and WEBHOOK_SECRET (requests "
        "without it get 401) besides what `run` needs. Each update is handled before Telegram is "
        "answered; with REDIS_URL set, any number of processes share the dialogue state, the "
        "per-resident order and the record of handled updates, and register the webhook once. "
        "SIGTERM finishes the updates in hand, then stops.",
    )
    parser.add_argument("--wait", type=_seconds, default=PATIENCE, metavar="SECONDS",
                        help=f"how long to wait at start for the Bot API to answer (default {PATIENCE:.0f})")
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require("WEBHOOK_URL", "WEBHOOK_SECRET")
    await ready_to_start(settings, args.wait)
    from aiogram.exceptions import TelegramBadRequest, TelegramUnauthorizedError

    from bot.runners import application
    from bot.webhook import serve_webhook

    try:
        async with application(settings, menu=False) as app:
            await serve_webhook(app, settings)
    except TelegramUnauthorizedError:
        raise refused(settings) from None
    except TelegramBadRequest as error:
        raise CommandError(f"the Bot API did not take the webhook {settings.webhook_url}: {error.message}") from None
    except OSError as error:  # the address to listen on is taken or not this machine's
        raise CommandError(f"cannot listen on {settings.webhook_listen}: {error.strerror or error}") from None
    return 0
