"""A stand-in for the agency HTTP gateway on a loopback port, scripted per request.

Each request takes the next scripted behaviour (the last one repeats): an answer, an HTTP
status, a hang longer than any timeout, or a malformed body. Every request is recorded. Answers
are signed as a real gateway signs them, with `KEY`; `signing` makes it lie: "none" sends no
signature, "other" signs with another key, "stale" signs for another request id.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from bot.registries.http import REQUEST_ID_HEADER, SIGNATURE_HEADER, answer_signature

KEY = secrets.token_bytes(32)  # the answer key the adapter under test shares with the stand-in
TOKEN = "stand-in-" + secrets.token_hex(16)
HANG = "hang"
MALFORMED = "malformed"


@dataclass
class StandIn:
    url: str
    script: list[object] = field(default_factory=list)
    requests: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    signing: str = "valid"
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def then(self, *behaviours: object) -> StandIn:
        """Behaviours for the next requests: a dict (answer), an int (status), HANG, MALFORMED."""
        self.script = list(behaviours)
        return self

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, await request.json()))
        self.headers.append({name.lower(): value for name, value in request.headers.items()})
        behaviour = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if behaviour == HANG:
            await self.release.wait()
            return web.json_response({"outcome": "match"})
        if behaviour == MALFORMED:
            return web.Response(text="<html>gateway error</html>", content_type="text/html")
        if isinstance(behaviour, int):
            return web.json_response({"error": "scripted"}, status=behaviour)
        body = json.dumps(behaviour).encode()
        return web.Response(body=body, content_type="application/json",
                            headers=self._signature(request.headers.get(REQUEST_ID_HEADER, ""), body))

    def _signature(self, request_id: str, body: bytes) -> dict[str, str]:
        if self.signing == "none":
            return {}
        key = secrets.token_bytes(32) if self.signing == "other" else KEY
        if self.signing == "stale":
            request_id = secrets.token_hex(16)
        return {SIGNATURE_HEADER: answer_signature(key, request_id, body)}


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
