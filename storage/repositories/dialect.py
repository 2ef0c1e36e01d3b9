"""INSERT ... ON CONFLICT for whichever database the session talks to."""
from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def conflict_insert(session: AsyncSession, table: Any) -> Any:
    """An `insert(table)` with `.on_conflict_do_update/do_nothing` and `.excluded`.

    SQLite and PostgreSQL spell the upsert alike; only the statement class differs.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    # create_engine refuses every other database, so this is a misuse, not a missing feature
    raise ValueError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")
