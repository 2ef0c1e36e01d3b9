"""`run`: the bot on long polling against Telegram (or BOT_API_URL)."""
from __future__ import annotations

import argparse
import logging

from bot.commands.runtime import CommandError, database
from bot.settings import load_settings


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "run",
        help="run the bot (long polling)",
        description="Runs the bot on long polling. Needs BOT_TOKEN, PII_HMAC_KEY and "
        "PII_ENCRYPTION_KEY; talks to BOT_API_URL (Telegram by default).",
    )
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    # aiogram takes seconds to import: only the commands that run the bot pay for it.
    from aiogram.exceptions import TelegramUnauthorizedError

    from bot.runners import run_polling

    settings = load_settings()
    settings.require("BOT_TOKEN", "PII_HMAC_KEY", "PII_ENCRYPTION_KEY")
    async with database(settings):
        pass  # refuses a database the migrations have not reached, in one line
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        await run_polling(settings)
    except TelegramUnauthorizedError:
        raise CommandError(f"the Bot API at {settings.bot_api_url} refused BOT_TOKEN") from None
    return 0
