"""Warm starts: `python -m bot <command>` forked from an interpreter that imported the bot already.

Importing the bot (aiogram's pydantic models above all) takes about 6 s of CPU on the 2-core
machine; the fault bench starts processes again and again, so each would spend more time
importing than serving. `python -m bench.warm` imports WARM_MODULES once and then, for each
request on its stdin (one JSON line), forks a child that runs `bot.cli.main(argv)` with the
request's environment, folder and log file, exactly as `python -m bot` would run it; it answers
the child's pid, and its exit code once it ends. A variable read at import time
(PROMETHEUS_MULTIPROC_DIR) is the fork server's, so a warm process must not need one.
"""
from __future__ import annotations

import importlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WARM_MODULES = ("bot.cli", "bot.runners", "bot.webhook", "bot.worker", "bot.registries.http",
                "bot.commands.run", "bot.commands.webhook", "bot.commands.worker", "storage.migrate")


def _say(message: dict) -> None:
    os.write(1, (json.dumps(message) + "\n").encode())  # one write a line: never interleaved


def _child(request: dict) -> None:
    """Runs in the forked child and never returns."""
    code = 1
    try:
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        sys.argv = ["python -m bot", *request["argv"]]
        from bot.cli import main

        code = main(request["argv"])
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException:  # noqa: BLE001 (the child's last word goes to its log)
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    """The fork server: requests on stdin, pids and exit codes on stdout; ends with its stdin."""
    for name in WARM_MODULES:
        importlib.import_module(name)
    _say({"ready": True})
    pending, children = b"", set()
    while True:
        readable, _, _ = select.select([0], [], [], 0.1)
        if readable:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    _child(request)
                children.add(pid)
                _say({"id": request["id"], "pid": pid})
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            children.discard(pid)
            _say({"pid": pid, "exit": os.waitstatus_to_exitcode(status)})
    for pid in children:  # the bench is gone: so are its processes
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


class WarmProcess:
    """The parts of `subprocess.Popen` the benches use, for a child of the fork server."""

    def __init__(self, server: ForkServer, pid: int) -> None:
        self._server, self.pid = server, pid

    @property
    def returncode(self) -> int | None:
        return self._server.exits.get(self.pid)

    def poll(self) -> int | None:
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(9)

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("python -m bot", timeout)
            time.sleep(0.01)
        return self.returncode


class ForkServer:
    """The bench's side of `python -m bench.warm`: started once, shared by every warm process."""

    def __init__(self) -> None:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO)}
        self._process = subprocess.Popen([sys.executable, "-m", "bench.warm"], cwd=REPO, env=env,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.exits: dict[int, int] = {}
        self._ready = threading.Event()
        self._pids: dict[int, int] = {}
        self._answered = threading.Condition()
        self._requests = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._listen, name="warm-fork-server", daemon=True).start()

    def _listen(self) -> None:
        for line in self._process.stdout:
            message = json.loads(line)
            with self._answered:
                if message.get("ready"):
                    self._ready.set()
                elif "exit" in message:
                    self.exits[message["pid"]] = message["exit"]
                else:
                    self._pids[message["id"]] = message["pid"]
                self._answered.notify_all()
        self._ready.set()  # it ended: nobody waits for ever

    def start(self, argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> WarmProcess:
        """Forks `python -m bot <argv>`; waits for the server's imports the first time."""
        if not self._ready.wait(120) or self._process.poll() is not None:
            raise RuntimeError("the warm fork server did not start (python -m bench.warm)")
        with self._lock:
            self._requests += 1
            number = self._requests
            request = {"id": number, "argv": argv, "env": env, "cwd": str(cwd), "log": str(log)}
            self._process.stdin.write((json.dumps(request) + "\n").encode())
            self._process.stdin.flush()
        with self._answered:
            if not self._answered.wait_for(lambda: number in self._pids, timeout=30):
                raise RuntimeError("the warm fork server did not fork")
            return WarmProcess(self, self._pids.pop(number))

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()
            self._process.wait(10)


_server: ForkServer | None = None


def fork_server() -> ForkServer:
    """The process's fork server, started at the first call (its imports run in the background)."""
    global _server
    if _server is None or _server._process.poll() is not None:
        _server = ForkServer()
    return _server


if __name__ == "__main__":
    serve()
