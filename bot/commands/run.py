"""`run`: the bot on long polling against Telegram (or BOT_API_URL)."""
from __future__ import annotations

import argparse

from bot.commands.runtime import CommandError, database
from bot.logs import configure_logging, first_line
from bot.settings import load_settings

PATIENCE = 120.0  # seconds a start waits for the Bot API before it gives up with one line


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 86400:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 86400 seconds")
    return value


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "run",
        help="run the bot (long polling)",
        description="Runs the bot on long polling. Needs BOT_TOKEN, PII_HMAC_KEY and "
        "PII_ENCRYPTION_KEY; talks to BOT_API_URL (Telegram by default). At start it waits for the "
        "Bot API to answer, trying again with growing pauses, and stops with one line if it never does.",
    )
    parser.add_argument("--wait", type=_seconds, default=PATIENCE, metavar="SECONDS",
                        help=f"how long to wait at start for the Bot API to answer (default {PATIENCE:.0f}; "
                        "0: one try)")
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    await ready_to_start(settings, args.wait)
    from aiogram.exceptions import TelegramUnauthorizedError

    from bot.runners import run_polling

    try:
        await run_polling(settings)
    except TelegramUnauthorizedError:
        raise refused(settings) from None
    return 0


def refused(settings) -> CommandError:
    return CommandError(f"the Bot API at {settings.bot_api_url} refused BOT_TOKEN")


async def ready_to_start(settings, patience: float) -> None:
    """What every bot process checks before it takes updates, each failure in one line: the
    settings it needs, a migrated database, a Bot API that answers and takes the token."""
    settings.require("BOT_TOKEN", "PII_HMAC_KEY", "PII_ENCRYPTION_KEY")
    async with database(settings):
        pass  # refuses a database the migrations have not reached, in one line
    # aiogram takes seconds to import: only a start that got this far pays for it.
    from aiogram.exceptions import AiogramError, TelegramUnauthorizedError

    from bot.telegram import BotApiUnreachable, create_bot, wait_for_bot_api

    configure_logging(settings.log_format)
    # the Bot API is asked once before updates are taken, so a wrong address or token ends the
    # start in one line instead of a bot that waits for ever
    probe = create_bot(settings.bot_token.get_secret_value(), settings.bot_api_url)
    try:
        await wait_for_bot_api(probe, settings.bot_api_url, patience=patience)
    except TelegramUnauthorizedError:
        raise refused(settings) from None
    except BotApiUnreachable as error:
        raise CommandError(str(error)) from None
    except AiogramError as error:  # a web server that is not a Bot API, a wrong path
        raise CommandError(f"the Bot API at {settings.bot_api_url} answered unexpectedly: "
                           f"{first_line(error)}; check BOT_API_URL") from None
    finally:
        await probe.session.close()
