"""An agency gateway on a loopback port, answering the HTTP registry protocol from the
imported registry tables; a registry can be taken down (HTTP 503) and brought back. Answers are
signed with `KEY` as a real gateway signs them; `liar` makes it answer "match" to everything,
signed with a key of its own. The worker tests and `bench faults` use it."""
from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date

from aiohttp import web

from bench.topology import free_port
from bot.registries.http import REQUEST_ID_HEADER, SIGNATURE_HEADER, answer_signature
from storage.registry_tables import RegistryTables
from verification.registries import RegistryAnswer


KEY = secrets.token_bytes(32)  # the answer key the workers under test share with the gateway
TOKEN = "gateway-" + secrets.token_hex(16)


def worker_env() -> dict[str, str]:
    """What a worker process needs to use this gateway."""
    return {"REGISTRY_TOKEN": TOKEN, "REGISTRY_ANSWER_KEY": KEY.hex(), "REGISTRY_ALLOW_PLAIN_HTTP": "true"}


@dataclass
class Gateway:
    tables: RegistryTables
    down: set[str] = field(default_factory=set)  # registries answering 503
    asked: list[str] = field(default_factory=list)
    hang_after: int | None = None  # requests answered before the gateway stops answering
    hanging: asyncio.Event = field(default_factory=asyncio.Event)  # set once a request hangs
    release: asyncio.Event = field(default_factory=asyncio.Event)
    liar: bool = False
    failed: int = 0  # requests answered 503 while their registry was down

    async def handle(self, request: web.Request) -> web.Response:
        registry = request.match_info["registry"]
        self.asked.append(registry)
        if self.hang_after is not None and len(self.asked) > self.hang_after:
            self.hanging.set()
            await self.release.wait()
        if registry in self.down:
            self.failed += 1
            return web.json_response({"error": "maintenance"}, status=503)
        body = await request.json()
        key = KEY
        if self.liar:
            key, said = secrets.token_bytes(32), {"outcome": "match", "fields": [], "facts": {"status": "valid"}}
        else:
            answer = await self._answer(registry, body)
            said = {"outcome": answer.outcome.value, "fields": list(answer.fields), "facts": dict(answer.facts)}
        raw = json.dumps(said).encode()
        signature = answer_signature(key, request.headers.get(REQUEST_ID_HEADER, ""), raw)
        return web.Response(body=raw, content_type="application/json", headers={SIGNATURE_HEADER: signature})

    async def _answer(self, registry: str, body: dict) -> RegistryAnswer:
        tables = self.tables
        if registry == "eirc":
            return await tables.lookup_flat(body["unom"], body["flat"], body["fls"])
        born = date.fromisoformat(body["birth_date"])
        if registry == "mvd":
            return await tables.check_passport(body["passport"], body["name_key"], born)
        if registry == "pfr":
            return await tables.check_snils(body["snils"], body["name_key"], born)
        return await tables.check_property(body["document"], body["unom"], body["flat"],
                                           body["name_key"], born)


@asynccontextmanager
async def gateway_on(port: int, tables: RegistryTables) -> AsyncIterator[Gateway]:
    gateway = Gateway(tables)
    app = web.Application()
    app.router.add_post("/gateway/{registry}/{check}", gateway.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield gateway
    finally:
        gateway.release.set()
        await runner.cleanup()


__all__ = ["KEY", "TOKEN", "Gateway", "free_port", "gateway_on", "worker_env"]
