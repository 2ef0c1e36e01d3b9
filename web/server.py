"""The results site listening on an address: for `python -m bot web`, the sandbox, tests and benchmarks."""
from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.address_book import AddressBook
from web.app import create_app


class SiteServer:
    """The site on host:port (port 0 picks a free one); `url` is its base address once started."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], address_book: AddressBook, *,
                 host: str = "127.0.0.1", port: int = 0, warm: bool = False, stats_threshold: int = 10) -> None:
        self.app = create_app(session_factory, address_book, warm=warm, stats_threshold=stats_threshold)
        self._runner = web.AppRunner(self.app, shutdown_timeout=2.0, access_log=None)
        self._host, self._port = host, port
        self.url = ""

    async def start(self) -> str:
        """Raises OSError when the address is taken (nothing is left listening then)."""
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self._host, self._port).start()
        except OSError:
            await self._runner.cleanup()
            raise
        port = self._runner.addresses[0][1]
        shown = "127.0.0.1" if self._host in ("", "0.0.0.0", "::") else self._host
        self.url = f"http://{shown}:{port}"
        return self.url

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def __aenter__(self) -> SiteServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
