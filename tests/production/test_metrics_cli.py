"""A worker serves its own /metrics (`--metrics HOST:PORT`): the database's figures and its samples."""
from __future__ import annotations

import asyncio

import aiohttp

from storage.migrate import upgrade
from bench.topology import BotProcess, base_environment, free_port


async def test_a_worker_serves_metrics_and_stops_on_sigterm(tmp_path, pii_keys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'vote.sqlite3'}"
    await upgrade(url)
    port = free_port()
    worker = BotProcess(tmp_path, "worker", ["worker", "--only", "verify", "--idle-sleep", "0.2",
                                             "--metrics", f"127.0.0.1:{port}"],
                        base_environment(tmp_path, DATABASE_URL=url, PII_HMAC_KEY=pii_keys["pii_hmac_key"],
                                         PII_ENCRYPTION_KEY=pii_keys["pii_encryption_key"]))
    worker.start()
    body = ""
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                assert worker.process.poll() is None, worker.output()
                try:
                    async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                        body = await response.text()
                        break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
    finally:
        code = await worker.stop()
    assert 'vote_ballots{status="pending"} 0.0' in body, body[-2000:]
    assert "vote_verification_backlog 0.0" in body and "vote_outbox_depth 0.0" in body
    assert code == 0, worker.output()
