"""The right to be forgotten (152-FZ): a consent log, and ballots' personal data that can be erased
while the ballot and its digests stay.

`consent_events` records every grant and withdrawal of consent (the residents' existing consents
are written into it as grants); `ballot_personal_data.sealed` may be empty once erased
(`erased_at` says when), its digests kept so that counting and de-duplication still hold.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-16
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=9), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('granted', 'withdrawn')", name=op.f("ck_consent_events_kind")),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], name=op.f("fk_consent_events_resident_id_residents"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    op.create_index(op.f("ix_consent_events_resident_id"), "consent_events", ["resident_id"])
    op.execute("INSERT INTO consent_events (resident_id, kind, at) "
               "SELECT id, 'granted', consent_at FROM residents WHERE consent_at IS NOT NULL ORDER BY consent_at, id")
    # ballot_personal_data has no triggers of its own (0002's are on ballots): a rebuild keeps them
    with op.batch_alter_table("ballot_personal_data") as table:
        table.alter_column("sealed", existing_type=sa.LargeBinary(), nullable=True)
        table.alter_column("key_version", existing_type=sa.SmallInteger(), nullable=True)
        table.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # erased data cannot come back: the rows of erased ballots keep an empty seal of nothing
    op.execute("UPDATE ballot_personal_data SET sealed = X'', key_version = 1 WHERE sealed IS NULL"
               if op.get_bind().dialect.name == "sqlite" else
               "UPDATE ballot_personal_data SET sealed = ''::bytea, key_version = 1 WHERE sealed IS NULL")
    with op.batch_alter_table("ballot_personal_data") as table:
        table.drop_column("erased_at")
        table.alter_column("key_version", existing_type=sa.SmallInteger(), nullable=False)
        table.alter_column("sealed", existing_type=sa.LargeBinary(), nullable=False)
    op.drop_index(op.f("ix_consent_events_resident_id"), table_name="consent_events")
    op.drop_table("consent_events")
