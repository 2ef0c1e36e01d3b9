"""Which schema revision a database is at and which one the code's migrations reach, read
without Alembic: every process checks this once at start-up, and Alembic with Mako and Pygments
would stay in each bot process's memory (about 8 MB) for that one look. `storage.migrate`, which
changes the schema, uses Alembic itself; a test holds the two readings equal."""
from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
VERSION_TABLE = "alembic_version"


def head_revision() -> str:
    """The newest revision: the one no other revision names as its predecessor."""
    revisions: set[str] = set()
    predecessors: set[str] = set()
    for path in VERSIONS_DIR.glob("*.py"):
        values = _module_constants(path)
        if isinstance(values.get("revision"), str):
            revisions.add(values["revision"])
            before = values.get("down_revision")
            predecessors.update(before if isinstance(before, tuple) else [before])
    heads = revisions - predecessors
    assert len(heads) == 1, f"storage/migrations/versions has {len(heads)} heads: {sorted(heads)}"
    return heads.pop()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for a database never migrated (or taken to base)."""
    async with engine.connect() as connection:
        return await connection.run_sync(_read_version)


def _read_version(connection: Connection) -> str | None:
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _module_constants(path: Path) -> dict[str, object]:
    """The module's top-level names bound to literals (`revision: str = "0008"`)."""
    constants: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = [t for t in node.targets if isinstance(t, ast.Name)], node.value
        else:
            continue
        try:
            literal = ast.literal_eval(value)
        except ValueError:
            continue
        for target in targets:
            constants[target.id] = literal
    return constants
