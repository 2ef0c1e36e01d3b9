"""Running the sandbox server with the bot beside it in one process, until Ctrl-C or the bot stops."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from sandbox import guard
from sandbox.app import create_app
from sandbox.state import Person, Sandbox
from sandbox.user_api import DemoInfo

log = logging.getLogger(__name__)
DEMO_PEOPLE = (
    Person(id=1001, first_name="Анна", last_name="Смирнова", language_code="ru"),
    Person(id=1002, first_name="John", last_name="Smith", language_code="en"),
)


def _shown_host(host: str) -> str:
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


class SandboxServer:
    """The sandbox listening on host:port (port 0 picks a free one); `url` is its base address (the
    Bot API's too), `page_url` the chat page's with the run's token, which `SandboxClient` takes."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, sandbox: Sandbox | None = None,
                 demo_info: DemoInfo | None = None, people: Iterable[Person] = ()) -> None:
        self.sandbox = sandbox or Sandbox()
        for person in people:
            self.sandbox.add_person(Person(**vars(person)))
        self.app = create_app(sandbox=self.sandbox, demo_info=demo_info)
        guard.allow_host(self.app, host)
        self._runner = web.AppRunner(self.app, shutdown_timeout=2.0, access_log=None)
        self._host, self._port = host, port
        self.url = ""

    async def start(self) -> str:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://{_shown_host(self._host)}:{port}"
        return self.url

    @property
    def page_url(self) -> str:
        return f"{self.url}/?token={self.sandbox.api_token}"

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


def announce(page_url: str) -> None:
    print(f"Sandbox chat: {page_url}  (Ctrl-C to stop)", flush=True)


async def run_sandbox(*, host: str, port: int, start_bot: Callable[[str], Awaitable[None]] | None,
                      on_ready: Callable[[str], None] | None = None, demo_info: DemoInfo | None = None,
                      people: Iterable[Person] = DEMO_PEOPLE) -> None:
    """Serves the sandbox, runs `start_bot(api_base_url)` against it and announces the page's address.

    Returns when the bot's coroutine ends (e.g. its polling stopped on SIGINT); on cancellation
    (Ctrl-C under asyncio.run) it stops the bot, then the server. An error in the bot is re-raised.
    """
    server = SandboxServer(host=host, port=port, demo_info=demo_info, people=people)
    await server.start()
    bot_task = asyncio.create_task(start_bot(server.url)) if start_bot is not None else None
    try:
        (on_ready or announce)(server.page_url)
        if bot_task is not None:
            await asyncio.shield(bot_task)
        else:
            await asyncio.Event().wait()  # serve until cancelled
    finally:
        if bot_task is not None and not bot_task.done():
            bot_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await bot_task
        await server.stop()
        log.info("sandbox stopped")
