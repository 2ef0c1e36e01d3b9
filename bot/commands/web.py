"""`web`: the public results site over the configured database."""
from __future__ import annotations

import argparse
import asyncio

from bot.commands.runtime import CommandError, database
from bot.settings import load_settings


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "web", help="serve the public results site",
        description="Serves the results site over the configured database (DATABASE_URL): the votes, "
        "each vote's published results with search by address, filters and downloads (CSV, JSON), "
        "each house's count with its formula and chart, the check of one's own vote against the signed "
        "public board, the board's open data and the statistics. Russian by default, English on request. "
        "It only reads. Ctrl-C stops it.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="port (default 8090; 0 picks a free one)")
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    from bot.runners import houses_of_poll
    from services.address_book import AddressBook
    from web.server import SiteServer

    settings = load_settings()
    async with database(settings) as sessions:
        site = SiteServer(sessions, AddressBook(houses_of_poll), host=args.host, port=args.port, warm=True,
                          stats_threshold=settings.stats_threshold)
        try:
            await site.start()
        except OSError as error:
            raise CommandError(f"cannot listen on {args.host}:{args.port}: {error.strerror}") from None
        print(f"Results site: {site.url}/  (Ctrl-C to stop)", flush=True)
        try:
            await asyncio.Event().wait()  # serve until Ctrl-C cancels this
        finally:
            await site.stop()
    return 0
