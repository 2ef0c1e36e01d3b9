"""`sandbox`: the bot and a local Telegram stand-in in one process, chatted with in a browser, and
the results site beside them."""
from __future__ import annotations

import argparse
import asyncio
import logging
import socket

from bot.commands.runtime import CommandError
from bot.settings import SANDBOX_DATABASE_URL, load_settings

SANDBOX_TOKEN = "777000:sandbox-token-no-telegram-needed"
# the sandbox's demo data never lands where `python -m bot run` looks (DATABASE_URL's default)
SITE_PORT = 8090
BOT_FIRST = 3.0  # seconds the bot has to itself before the 2017 vote is written beside it


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 1 to 65535 (0: any free one)")
    return port


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "sandbox",
        help="try the bot offline: a local Telegram stand-in with a web chat",
        description="Starts a local Telegram Bot API stand-in and the bot against it, on the embedded "
        "defaults (SQLite file, in-memory dialogue state). Migrates, loads the 4,543 houses of the "
        "2017 renovation vote, opens a demo poll if none is open, fills made-up registries and runs the verifier beside the bot, so a vote ends with a real verdict. Prints the chat page's address. "
        "Beside it serves the results site, and, once per database, writes the 2017 vote replayed "
        "from ballots as a second, finished poll and publishes it (in the background: about two "
        "minutes, while the bot already answers).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=8080, help="port of the chat page (default 8080)")
    parser.add_argument("--site-port", type=port_number, metavar="PORT",
                        help=f"port of the results site (default {SITE_PORT}, or a free one when it is taken)")
    parser.add_argument("--without-2017", action="store_true",
                        help="do not write the replayed 2017 vote into the database")
    parser.add_argument("--reset", action="store_true", help="start with an empty database")
    parser.add_argument("--database", metavar="URL",
                        help="the sandbox's database (default its own file, "
                        f"{SANDBOX_DATABASE_URL.removeprefix('sqlite+aiosqlite:///')}; DATABASE_URL is not used)")
    parser.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    check_listening(args.host, args.port)  # before the minute of preparing the world, not after
    if args.site_port is not None:
        check_listening(args.host, args.site_port)
    # aiogram and the sandbox take seconds to import: only this command pays for them.
    from bot.demo.replay_database import published_replay
    from bot.demo.world import prepare_world, reset_database
    from bot.runners import houses_of_poll, run_with_workers
    from sandbox.runner import announce, run_sandbox
    from services.address_book import AddressBook
    from storage.database import create_engine, create_session_factory

    settings = settings_for_sandbox(args.database)
    if args.reset:
        try:
            reset_database(settings)
        except ValueError as error:
            raise CommandError(str(error)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    world = await prepare_world(settings)
    print(f"houses: {world.houses}; demo poll #{world.poll_id} is open; "
          f"{len(world.residents)} demo residents to vote as", flush=True)
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    try:
        site = await _site(sessions, AddressBook(houses_of_poll), args.host, args.site_port)
        vote_2017 = await published_replay(sessions)
        write_2017 = vote_2017 is None and not args.without_2017

        def ready(chat_url: str) -> None:
            announce(chat_url)
            print(f"Results site: {site.url}/", flush=True)
            if vote_2017 is not None:
                print(f"the 2017 vote's results: {site.url}/polls/{vote_2017}", flush=True)
            elif write_2017:
                print("the 2017 vote (4,543 houses, some 400,000 ballots) is being written as a second poll "
                      "in the background, once per database: its results appear on the site in about two "
                      "minutes", flush=True)

        async def start_bot(api_url: str) -> None:
            writer = asyncio.create_task(_write_2017(settings.database_url, sessions, site.url)) if write_2017 \
                else None
            try:
                await run_with_workers(settings, token=SANDBOX_TOKEN, api_url=api_url)
            finally:
                if writer is not None:
                    writer.cancel()
                    await asyncio.gather(writer, return_exceptions=True)

        async def demo_info() -> dict:
            return {"residents": world.residents}

        try:
            await run_sandbox(host=args.host, port=args.port, start_bot=start_bot, demo_info=demo_info,
                              on_ready=ready)
        except (OSError, OverflowError) as error:
            raise CommandError(f"cannot listen on {args.host}:{args.port}: {_reason(error)}") from None
        finally:
            await site.stop()
    finally:
        await engine.dispose()
    return 0


def settings_for_sandbox(database_url: str | None = None):
    """The settings the sandbox runs on: its own database file unless `--database` names one
    (DATABASE_URL is `python -m bot run`'s), and its own keys where none are configured."""
    from bot.demo.world import sandbox_settings

    return sandbox_settings(load_settings(database_url=database_url or SANDBOX_DATABASE_URL))


def check_listening(host: str, port: int) -> None:
    """Refuses, in one line, an address the chat page or the site could not listen on."""
    try:
        addresses = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as error:
        raise CommandError(f"cannot listen on --host {host!r}: {_reason(error)}") from None
    for family, kind, protocol, _, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself binds
            try:
                probe.bind(address)
            except OSError as error:
                raise CommandError(f"cannot listen on {host}:{port}: {_reason(error)}") from None


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


async def _site(sessions, address_book, host: str, port: int | None):
    from web.server import SiteServer

    try:
        site = SiteServer(sessions, address_book, host=host, port=SITE_PORT if port is None else port)
        await site.start()
    except OSError as error:
        if port is not None:
            raise CommandError(f"cannot listen on {host}:{port}: {_reason(error)}") from None
        site = SiteServer(sessions, address_book, host=host, port=0)  # the default is taken: any will do
        await site.start()
    return site


async def _write_2017(database_url: str, sessions, site_url: str) -> None:
    """The 2017 vote written by a process of its own; told when it is there (or why not)."""
    from bot.demo.replay_database import published_replay
    from bot.demo.world import start_2017_vote

    await asyncio.sleep(BOT_FIRST)
    process = start_2017_vote(database_url)
    try:
        while process.is_alive():
            await asyncio.sleep(0.5)
    finally:
        if process.is_alive():  # the sandbox stops: the next start writes it again
            process.terminate()
            await asyncio.to_thread(process.join, 10)
    poll_id = await published_replay(sessions) if process.exitcode == 0 else None
    if poll_id is None:
        print(f"the 2017 vote could not be written (exit code {process.exitcode}); the next start tries again",
              flush=True)
    else:
        print(f"the 2017 vote is published: {site_url}/polls/{poll_id}", flush=True)
