"""What SQLite and PostgreSQL spell differently: INSERT ... ON CONFLICT, and a list as one value."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, bindparam, column, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import json_text


#: SQLite's FROM for a poll's ballots, read in bulk: told the poll's index, since by the status one
#: (or the updated_at one) it reads the rows one by one in the order they were cast, twice as slow
BALLOTS_BY_POLL = "ballots INDEXED BY ix_ballots_poll_id_house_id_status"


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


def among(session: AsyncSession, target: Any, values: Sequence[str] | Sequence[int]) -> ColumnElement[bool]:
    """`target IN values` with the whole list bound as one value: a JSON array read by
    `json_each` on SQLite, an array with `= ANY` on PostgreSQL (strings or integers, not mixed).
    A batch asks about thousands of keys or ids; an ordinary IN binds and renders each one as a
    parameter of its own."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        element = Integer() if values and isinstance(values[0], int) else String()
        return target == func.any(bindparam(None, list(values), type_=postgresql.ARRAY(element)))
    if dialect == "sqlite":
        listed = func.json_each(bindparam(None, json_text(list(values)), type_=String))
        return target.in_(select(column("value")).select_from(listed))
    raise ValueError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")


async def driver_rows(session: AsyncSession, statement: Any) -> list[tuple]:
    """A big read's rows as the driver returns them, in the session's transaction.

    SQLAlchemy makes a Row of each row it passes on; for a count's 400,000 ballots that took most
    of the read. The statement's values are rendered into it (so use it only with numbers and
    constants, never with text a person typed), and its columns must need no conversion.
    """
    connection = await session.connection()
    dialect = connection.dialect
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    driver = (await connection.get_raw_connection()).driver_connection
    if dialect.name == "sqlite":  # aiosqlite
        cursor = await driver.execute(sql)
        try:
            return await cursor.fetchall()
        finally:
            await cursor.close()
    if dialect.name == "postgresql":  # asyncpg
        return await driver.fetch(sql)
    raise ValueError(f"unsupported database {dialect.name!r}: use SQLite or PostgreSQL")


async def driver_insert(session: AsyncSession, table: Any, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Many rows added by the driver itself: SQLite's executemany, PostgreSQL's COPY. The rows'
    values must be what the driver takes and the column's type stores as it is (numbers, text; a
    date as ISO text on SQLite, a date on PostgreSQL). A board takes 400,000 rows:
    SQLAlchemy's bulk insert spent half a minute building its parameters."""
    if not rows:
        return
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    name = table.name
    if connection.dialect.name == "sqlite":  # aiosqlite
        marks = ", ".join("?" for _ in columns)
        await driver.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)
        return
    if connection.dialect.name == "postgresql":  # asyncpg; the table is found by the search_path
        await driver.copy_records_to_table(name, records=rows, columns=list(columns))
        return
    raise ValueError(f"unsupported database {connection.dialect.name!r}: use SQLite or PostgreSQL")
