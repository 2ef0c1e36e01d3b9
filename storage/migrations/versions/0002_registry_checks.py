"""The verification queue: a registry check for every pending ballot, kept by triggers;
lookups of registry flats by house and number.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.migrations.triggers import POSTGRES_TRIGGERS, SQLITE_TRIGGERS

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "registry_checks",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("leased_by", sa.String(length=32), nullable=True),
        sa.Column("waiting_for", JSON, nullable=False),
        sa.Column("answers", sa.LargeBinary(), nullable=True),
        sa.Column("key_version", sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_registry_checks_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ballot_id", name=op.f("pk_registry_checks")),
    )
    op.create_index(op.f("ix_registry_checks_due_at"), "registry_checks", ["due_at"])
    op.create_index(
        "ix_registry_records_source_unom_flat", "registry_records", ["source", "unom", "flat"]
    )
    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)
    # ballots already waiting when this revision arrives
    empty = "'[]'::jsonb" if op.get_bind().dialect.name == "postgresql" else "'[]'"
    op.execute(
        "INSERT INTO registry_checks (ballot_id, due_at, attempts, waiting_for) "
        f"SELECT id, updated_at, 0, {empty} FROM ballots WHERE status = 'pending'"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ballots_queue_check ON ballots")
        op.execute("DROP FUNCTION IF EXISTS queue_registry_check()")
    else:
        op.execute("DROP TRIGGER IF EXISTS ballots_queue_check_on_insert")
        op.execute("DROP TRIGGER IF EXISTS ballots_queue_check_on_update")
    op.drop_index("ix_registry_records_source_unom_flat", table_name="registry_records")
    op.drop_table("registry_checks")
