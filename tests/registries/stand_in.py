"""A stand-in for the agency HTTP gateway on a loopback port, scripted per request.

Each request takes the next scripted behaviour (the last one repeats): an answer, an HTTP
status, a hang longer than any timeout, or a malformed body. Every request is recorded.
"""
from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

HANG = "hang"
MALFORMED = "malformed"


@dataclass
class StandIn:
    url: str
    script: list[object] = field(default_factory=list)
    requests: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def then(self, *behaviours: object) -> StandIn:
        """Behaviours for the next requests: a dict (answer), an int (status), HANG, MALFORMED."""
        self.script = list(behaviours)
        return self

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, await request.json()))
        behaviour = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if behaviour == HANG:
            await self.release.wait()
            return web.json_response({"outcome": "match"})
        if behaviour == MALFORMED:
            return web.Response(text="<html>gateway error</html>", content_type="text/html")
        if isinstance(behaviour, int):
            return web.json_response({"error": "scripted"}, status=behaviour)
        return web.Response(text=json.dumps(behaviour), content_type="application/json")


@asynccontextmanager
async def agency() -> AsyncIterator[StandIn]:
    app = web.Application()
    stand_in = StandIn("")
    stand_in.then({"outcome": "match", "fields": [], "facts": {}})
    app.router.add_post("/gateway/{registry}/{check}", stand_in.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    stand_in.url = f"http://127.0.0.1:{port}/gateway"
    try:
        yield stand_in
    finally:
        stand_in.release.set()
        await runner.cleanup()


def closed_port_url() -> str:
    """A loopback address nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/gateway"
