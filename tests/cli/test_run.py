"""`python -m bot run` against a Bot API that does not answer: one line per try, backing off,
no traceback; it keeps trying, as a long-running bot should."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from storage.migrate import upgrade

REPO = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


async def test_an_unreachable_bot_api_is_one_line_a_try(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'vote.sqlite3'}"
    await upgrade(url)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "PYTHONPATH": str(REPO),
           "DATABASE_URL": url, "BOT_TOKEN": "123456:SANDBOX-test-token",
           "BOT_API_URL": f"http://127.0.0.1:{closed_port()}",
           "PII_HMAC_KEY": secrets.token_hex(32), "PII_ENCRYPTION_KEY": secrets.token_hex(32)}
    output = tmp_path / "run.log"
    with output.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while output.read_text().count("does not answer") < 3:
            assert process.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    lines = output.read_text().splitlines()
    assert "Traceback" not in output.read_text()
    tries = [line for line in lines if "does not answer" in line]
    assert [line.split("trying again in ")[1] for line in tries[:3]] == ["1 s", "2 s", "4 s"]
    assert len(lines) <= len(tries) + 1  # and "interrupted" at the end
