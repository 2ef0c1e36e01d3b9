"""Registry records keep birth dates only as keyed digests: `registry_records.birth_date` (in
clear) gives way to `birth_digest`.

A migration holds no key, so it cannot digest the dates it drops: the rows stay with an empty
`birth_digest`, the checks against them wait (never decided on a date that cannot be compared),
and every registry must be imported again (`python -m bot import-registry NAME FILE`; the
sandbox reloads its demo registries by itself). A downgrade brings the column back empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD/DROP COLUMN (SQLite has both since 3.35): the table is not rebuilt
    op.add_column("registry_records", sa.Column("birth_digest", sa.String(64), nullable=True))
    op.drop_column("registry_records", "birth_date")


def downgrade() -> None:
    op.add_column("registry_records", sa.Column("birth_date", sa.Date(), nullable=True))
    op.drop_column("registry_records", "birth_digest")
