"""`sandbox`: the bot and a local Telegram stand-in in one process, chatted with in a browser."""
from __future__ import annotations

import argparse
import logging

from bot.commands.runtime import CommandError
from bot.settings import load_settings

SANDBOX_TOKEN = "777000:sandbox-token-no-telegram-needed"


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "sandbox",
        help="try the bot offline: a local Telegram stand-in with a web chat",
        description="Starts a local Telegram Bot API stand-in and the bot against it, on the embedded "
        "defaults (SQLite file, in-memory dialogue state). Migrates, loads the 4,543 houses of the "
        "2017 renovation vote, opens a demo poll if none is open, fills made-up registries and runs the verifier beside the bot, so a vote ends with a real verdict. Prints the chat page's address.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port of the chat page (default 8080)")
    parser.add_argument("--reset", action="store_true", help="start with an empty database")
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    # aiogram and the sandbox take seconds to import: only this command pays for them.
    from bot.demo.world import prepare_world, reset_database, sandbox_settings
    from bot.runners import run_with_workers
    from sandbox.runner import run_sandbox

    settings = sandbox_settings(load_settings())
    if args.reset:
        try:
            reset_database(settings)
        except ValueError as error:
            raise CommandError(str(error)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    world = await prepare_world(settings)
    print(f"houses: {world.houses}; demo poll #{world.poll_id} is open; "
          f"{len(world.residents)} demo residents to vote as", flush=True)

    async def start_bot(api_url: str) -> None:
        await run_with_workers(settings, token=SANDBOX_TOKEN, api_url=api_url)

    async def demo_info() -> dict:
        return {"residents": world.residents}

    try:
        await run_sandbox(host=args.host, port=args.port, start_bot=start_bot, demo_info=demo_info)
    except OSError as error:
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {error.strerror}") from None
    return 0
