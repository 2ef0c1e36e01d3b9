"""Engines and sessions for SQLite (one process, sandbox) and PostgreSQL (several workers)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 5000
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def json_text(value: Any) -> str:
    """JSON text of a column's value: UTF-8 as is, non-string keys turned to strings."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def create_engine(url: str | URL, *, schema: str | None = None, **options: Any) -> AsyncEngine:
    """An async engine for `sqlite+aiosqlite://` or `postgresql+asyncpg://` URLs.

    SQLite: the database file's folder is created; every connection runs in WAL mode with
    `busy_timeout` 5000 ms and foreign keys enforced. Each transaction starts with
    `BEGIN IMMEDIATE`, which takes SQLite's single write lock up front: concurrent writers
    then queue for up to the busy timeout instead of failing on a stale read snapshot, and
    SAVEPOINTs (used by `BallotRepository.cast`) nest properly. Keep sessions short, and do
    not hold one session's transaction open while another session in the same task writes.

    JSON columns are written and read with orjson: a verification round writes thousands of
    JSON values, and the standard library takes several times longer for each.

    PostgreSQL: `schema` sets the connection's `search_path`, so several deployments (or
    tests) can share one database. `options` go to `create_async_engine`.
    """
    url = make_url(url)
    backend = url.get_backend_name()
    connect_args: dict[str, Any] = dict(options.pop("connect_args", {}))
    if backend == "sqlite":
        if schema is not None:
            raise ValueError("SQLite has no schemas; give the schema only for PostgreSQL")
        _create_parent_folder(url)
    elif backend == "postgresql":
        if schema is not None:
            if not _SCHEMA_NAME.match(schema):
                raise ValueError(f"not a plain schema name: {schema!r}")
            connect_args.setdefault("server_settings", {})["search_path"] = schema
    else:
        raise ValueError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")

    options.setdefault("json_serializer", json_text)
    options.setdefault("json_deserializer", orjson.loads)
    engine = create_async_engine(url, connect_args=connect_args, **options)
    if backend == "sqlite":
        _configure_sqlite(engine)
    return engine


_READ_ONLY = "house_vote_read_only"


async def reading(session: AsyncSession) -> None:
    """Starts `session`'s transaction as a reader: on SQLite a plain BEGIN, which waits for
    no writer (WAL serves it a snapshot), where every other transaction takes the write lock
    up front. Call it first thing; the session must then only read."""
    await session.connection(execution_options={_READ_ONLY: True})


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose loaded objects stay readable after commit (no lazy reload in async)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def _create_parent_folder(url: URL) -> None:
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not open transactions by itself: BEGIN is ours (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(_READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # a reader takes no lock: WAL gives it a snapshot
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
