"""Every bad invocation an operator is likely to make ends with one line on stderr, "error: …",
exit code 2 and no traceback. The invocations run as real processes, all at once (starting the
bot's client takes seconds), and each row of the table is checked on its own."""
from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from storage.migrate import upgrade

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 150  # seconds for all of them; a loaded machine takes many to import the Bot API client


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


class NotABotApi(BaseHTTPRequestHandler):
    """A web server at BOT_API_URL that is not a Bot API: it answers HTML."""

    def do_POST(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>It works!</html>")

    def log_message(self, *args: object) -> None:
        pass


# name: (argv, environment on top of a migrated database and keys, what the line must say)
CASES = {
    "run, Bot API port closed": (["run", "--wait", "0"], {"BOT_API_URL": "http://127.0.0.1:{closed}"},
                                 "does not answer"),
    "run, Bot API host does not resolve": (["run", "--wait", "0"], {"BOT_API_URL": "http://bot-api.invalid"},
                                           "does not answer"),
    "run, BOT_API_URL is not a Bot API": (["run", "--wait", "0"], {"BOT_API_URL": "http://127.0.0.1:{web}"},
                                          "answered unexpectedly"),
    "run, a negative wait": (["run", "--wait", "-1"], {}, "--wait"),
    "run, no BOT_TOKEN": (["run"], {"BOT_TOKEN": ""}, "BOT_TOKEN"),
    "run, database not migrated": (["run"], {"DATABASE_URL": "sqlite+aiosqlite:///{tmp}/empty.sqlite3"},
                                   "migrate"),
    "sandbox, port out of range": (["sandbox", "--port", "99999"], {}, "99999 is not a port"),
    "sandbox, port not a number": (["sandbox", "--port", "eighty"], {}, "not a port number"),
    "sandbox, port in use": (["sandbox", "--port", "{busy}"], {}, "Address already in use"),
    "sandbox, site port in use": (["sandbox", "--site-port", "{busy}"], {}, "Address already in use"),
    "sandbox, host does not resolve": (["sandbox", "--host", "chat.invalid"], {}, "--host 'chat.invalid'"),
    "sandbox, bad host": (["sandbox", "--host", "999.1.1.1"], {}, "--host '999.1.1.1'"),
    "sandbox, host of another machine": (["sandbox", "--host", "192.0.2.1"], {}, "cannot listen on 192.0.2.1"),
    "webhook, no WEBHOOK_SECRET": (["webhook"], {"WEBHOOK_URL": "https://vote.example/telegram"},
                                   "WEBHOOK_SECRET is not set"),
    "webhook, no WEBHOOK_URL": (["webhook"], {"WEBHOOK_SECRET": "x" * 32}, "WEBHOOK_URL is not set"),
    "webhook, a short secret": (["webhook"], {"WEBHOOK_URL": "https://vote.example/t", "WEBHOOK_SECRET": "abc"},
                                "WEBHOOK_SECRET: must be 16 to 256"),
    "webhook, plain http to Telegram": (["webhook"], {"WEBHOOK_URL": "http://vote.example/t",
                                                      "WEBHOOK_SECRET": "x" * 32}, "only https://"),
    "webhook, bad listen address": (["webhook"], {"WEBHOOK_LISTEN": "localhost", "WEBHOOK_SECRET": "x" * 32,
                                                  "WEBHOOK_URL": "https://vote.example/t"}, "WEBHOOK_LISTEN"),
    "no such command": (["vote-for-me"], {}, "invalid choice"),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    tmp = tmp_path_factory.mktemp("cli")
    url = f"sqlite+aiosqlite:///{tmp / 'vote.sqlite3'}"
    asyncio.run(upgrade(url))
    web = HTTPServer(("127.0.0.1", 0), NotABotApi)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    blanks = {"closed": closed_port(), "web": web.server_address[1], "busy": busy.getsockname()[1], "tmp": tmp}
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "PYTHONPATH": str(REPO),
            "DATABASE_URL": url, "BOT_TOKEN": "123456:SANDBOX-test-token",
            "PII_HMAC_KEY": secrets.token_hex(32), "PII_ENCRYPTION_KEY": secrets.token_hex(32)}
    processes = {}
    try:
        for name, (argv, extra, _) in CASES.items():
            env = base | {key: value.format(**blanks) for key, value in extra.items()}
            processes[name] = subprocess.Popen(
                [sys.executable, "-m", "bot", *(arg.format(**blanks) for arg in argv)], cwd=tmp, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        results = {}
        deadline = time.monotonic() + TIMEOUT
        for name, process in processes.items():
            try:
                stdout, stderr = process.communicate(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                stdout, stderr = process.communicate()
                stderr += f"\n(still running after {TIMEOUT} s)"
            results[name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        return results
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
        web.shutdown()
        busy.close()


@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_invocation_is_one_line_on_stderr(outcomes, name):
    outcome = outcomes[name]
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), outcome.stderr
    assert CASES[name][2] in lines[0]
    assert outcome.returncode == 2


def test_the_wait_for_the_bot_api_is_said_in_the_line(outcomes):
    line = outcomes["run, Bot API port closed"].stderr.strip()
    assert line.endswith("check BOT_API_URL and the network")
