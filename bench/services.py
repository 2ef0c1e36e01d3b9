"""Redis and PostgreSQL servers of a run's own, so that crashing and restarting them disturbs
nothing else on the machine (the shared servers on 6379 and 5432 serve other tests).

    redis = OwnRedis(); redis.start(); ...; redis.restart()   # empty again
    postgres = OwnPostgres(); postgres.start(); url = await postgres.create_database("vote")
    postgres.crash(); postgres.start()                        # `pg_ctl stop -m immediate`, then crash recovery
"""
from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.topology import free_port


async def restarted(server: OwnRedis | OwnPostgres, down: float = 1.0) -> None:
    """The server down (Redis killed, PostgreSQL crashed) and `down` seconds later up again,
    without holding up the caller's event loop."""
    await asyncio.to_thread(server.restart, down)


def missing_binaries(*, postgres: bool = True) -> list[str]:
    """What OwnRedis (and OwnPostgres) need and this machine lacks; empty when they can run."""
    missing = [name for name in ("redis-server", "redis-cli") if shutil.which(name) is None]
    if not postgres:
        return missing
    if postgres_bin() is None:
        missing.append("initdb/pg_ctl (/usr/lib/postgresql/*/bin)")
    elif os.geteuid() == 0 and shutil.which("runuser") is None:
        missing.append("runuser (PostgreSQL refuses to run as root)")
    return missing


def postgres_bin() -> Path | None:
    """The newest PostgreSQL's bin folder with initdb and pg_ctl."""
    found = sorted((Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")
                    if Path(p, "initdb").exists() and Path(p, "pg_ctl").exists()),
                   key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)
    return found[-1] if found else None


class OwnRedis:
    """A redis-server on a free port, keeping nothing on disk: a restart starts it empty."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                              text=True).stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def restart(self, down: float = 0.0) -> None:
        """Killed, `down` seconds without Redis, started again with no keys."""
        self.kill()
        time.sleep(down)
        self.start()

    stop = kill


class OwnPostgres:
    """A PostgreSQL cluster in a temporary folder: trust authentication, listening on 127.0.0.1 at
    a free port, its Unix socket in its own folder. Run as the `postgres` user when we are root."""

    def __init__(self) -> None:
        binaries = postgres_bin()
        if binaries is None:
            raise RuntimeError("no PostgreSQL binaries in /usr/lib/postgresql/*/bin")
        self.bin = binaries
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="own-postgres-"))
        self.data, self.socket, self.log = self.folder / "data", self.folder / "socket", self.folder / "server.log"
        self._initialised = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*as_postgres, *argv], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(argv[0]).name} failed ({done.returncode}): {done.stderr or done.stdout}"
                               f"\n{self.log.read_text() if self.log.exists() else ''}")
        return done

    def _initialise(self) -> None:
        self.socket.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.socket, "postgres")
        # no fsync at initdb only: the cluster's own writes later are as durable as any server's
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._initialised = True

    def start(self) -> None:
        """Starts the cluster (initialised the first time); after `crash()`, with crash recovery."""
        if not self._initialised:
            self._initialise()
        options = (f"-p {self.port} -k {self.socket} -c listen_addresses=127.0.0.1 "
                   "-c max_connections=200 -c shared_buffers=64MB")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", options, "start")

    def crash(self) -> None:
        """Every server process ends at once without a checkpoint, as in a power cut of the server
        (the operating system keeps what was written: committed transactions survive)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def restart(self, down: float = 0.0) -> None:
        self.crash()
        time.sleep(down)
        self.start()

    def stop(self) -> None:
        """Ends the cluster and removes its folder."""
        if (self.data / "postmaster.pid").exists():
            try:
                self.crash()
            except RuntimeError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)

    async def create_database(self, name: str) -> str:
        """A new database on this cluster; its URL."""
        from sqlalchemy import text

        from storage.database import create_engine

        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as connection:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await admin.dispose()
        return self.url(name)
