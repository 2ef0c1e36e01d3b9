"""Real PostgreSQL and Redis for the tests: skipped locally when absent, a failure when CI=true."""
from __future__ import annotations

import asyncio
import os
import secrets
import socket

import pytest

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _require(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not running on {host}:{port}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: services are required)")
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> str:
    """The URL of the real PostgreSQL test database."""
    _require("PostgreSQL", "127.0.0.1", 5432)
    return POSTGRES_URL


@pytest.fixture
async def redis_url():
    """The URL of the real Redis; every key a test leaves under the test's prefix is removed."""
    _require("Redis", "127.0.0.1", 6379)
    yield REDIS_URL


@pytest.fixture
def key_prefix() -> str:
    """A unique prefix so tests sharing one Redis never see each other's keys."""
    return f"test-{secrets.token_hex(4)}"


@pytest.fixture
def pii_keys() -> dict[str, str]:
    """Fresh PII keys and the board's signing key, as the settings take them (hex)."""
    return {"pii_hmac_key": secrets.token_hex(32), "pii_encryption_key": secrets.token_hex(32),
            "board_signing_key": secrets.token_hex(32)}


def run(coro):
    """Runs a coroutine from sync test code."""
    return asyncio.run(coro)


@pytest.fixture
async def fresh_database(postgres_url):
    """A PostgreSQL database of its own, for processes that read only DATABASE_URL (no schema)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from storage.database import create_engine

    name = f"t_{secrets.token_hex(6)}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await admin.dispose()
