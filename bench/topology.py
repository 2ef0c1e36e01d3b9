"""The production topology from plain processes (the load bench; the suite runs a bounded one): `python -m bot webhook` twice behind a balancer,
`python -m bot worker`, real PostgreSQL and Redis, the sandbox delivering by webhook."""
from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.warm import WarmProcess, fork_server

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Balancer:
    """Round robin over the bot processes, as nginx with `proxy_next_upstream error`: a process
    that does not answer is skipped for the next one; what a process answered is passed on."""

    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = upstreams
        self.port = free_port()
        self.served: dict[str, int] = {upstream: 0 for upstream in upstreams}
        self._turn = itertools.cycle(range(len(upstreams)))
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        first = next(self._turn)
        for step in range(len(self.upstreams)):
            upstream = self.upstreams[(first + step) % len(self.upstreams)]
            try:
                async with self._http.post(upstream + request.path_qs, data=body, headers={
                        k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")},
                        ) as answer:
                    payload = await answer.read()
                    self.served[upstream] += 1
                    return web.Response(status=answer.status, body=payload,
                                        content_type=answer.content_type)
            except (aiohttp.ClientError, ConnectionError, asyncio.TimeoutError):
                continue
        return web.Response(status=502, text="no bot process answered")

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()


class BotProcess:
    """`python -m bot <command>` (or another `module`) with its output in a file.

    `warm`: forked from `bench.warm`'s fork server instead of a fresh interpreter: a start costs a
    fraction of a second instead of seconds of imports (the fault bench starts processes again
    and again); what runs is the same `bot.cli.main`."""

    def __init__(self, folder: Path, name: str, argv: list[str], env: dict[str, str], *, module: str = "bot",
                 warm: bool = False) -> None:
        self.folder, self.name, self.argv, self.env, self.module = folder, name, argv, env, module
        self.warm = warm and module == "bot"
        self.process: subprocess.Popen | WarmProcess | None = None

    @property
    def log_path(self) -> Path:
        return self.folder / f"{self.name}.log"

    def start(self) -> None:
        """Starts the process (a warm one waits here until the fork server has its imports)."""
        if self.warm:
            self.process = fork_server().start(self.argv, self.env, self.folder, self.log_path)
            return
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen([sys.executable, "-m", self.module, *self.argv], cwd=self.folder,
                                            env=self.env, stdout=log, stderr=log)

    def output(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    async def stop(self, timeout: float = 40.0) -> int | None:
        """SIGTERM, then the exit code (waiting without blocking this process's loop)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        for _ in range(int(timeout / 0.05)):
            if self.process.poll() is not None:
                return self.process.returncode
            await asyncio.sleep(0.05)
        self.process.kill()
        raise AssertionError(f"{self.name} did not stop within {timeout} s\n{self.output()}")


async def until_ready(http: aiohttp.ClientSession, url: str, process: BotProcess, timeout: float = 90.0) -> None:
    """Waits for the process's /readyz (it imports, migrates nothing, registers)."""
    for _ in range(int(timeout / 0.2)):
        if process.process.poll() is not None:
            raise AssertionError(f"{process.name} ended: {process.output()}")
        try:
            async with http.get(url + "/readyz") as response:
                if response.status == 200 and "webhook" in process.output():
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"{process.name} not ready within {timeout} s\n{process.output()}")


def base_environment(folder: Path, **variables: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder), "PYTHONPATH": str(REPO),
            **variables}
