"""Paper ballots and the public board: a ballot without a Telegram account, one ballot per person,
flat and channel (the count decides between channels), superseded ballots in the history, coarse
attributes for the statistics, and the public array of counted ballots with each publication's
checkpoint.

On SQLite the ballots and ballot_events tables are rebuilt (batch mode): `storage.migrate` runs
migrations with foreign keys off there, and the rebuild drops the queue's triggers, so they are
created again here.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations import triggers

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = ("cast", "choice_changed", "data_corrected", "verdict", "notified")
KINDS = (*KINDS_BEFORE, "superseded")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("ballots") as ballots:
        ballots.alter_column("resident_id", existing_type=sa.Integer(), nullable=True)
        ballots.drop_constraint(op.f("uq_ballots_poll_id_flat_id_person_hmac"), type_="unique")
        ballots.create_unique_constraint(
            op.f("uq_ballots_poll_id_flat_id_person_hmac_channel"), ["poll_id", "flat_id", "person_hmac", "channel"])
        ballots.create_check_constraint(op.f("ck_ballots_channel"), _one_of("channel", ("telegram", "paper")))
        ballots.add_column(sa.Column("age_band", sa.String(8), nullable=True))
        ballots.add_column(sa.Column("gender", sa.String(1), nullable=True))
    if sqlite:
        triggers.create_sqlite()
    op.create_index(op.f("ix_ballots_poll_id_status_updated_at"), "ballots", ["poll_id", "status", "updated_at"])
    with op.batch_alter_table("ballot_events") as events:
        events.drop_constraint(op.f("ck_ballot_events_kind"), type_="check")
        events.create_check_constraint(op.f("ck_ballot_events_kind"), _one_of("kind", KINDS))
    with op.batch_alter_table("publications") as publications:
        publications.add_column(sa.Column("board_size", sa.Integer(), nullable=True))
        publications.add_column(sa.Column("checkpoint", sa.Text(), nullable=True))
        publications.add_column(sa.Column("board_vkey", sa.String(200), nullable=True))
        publications.add_column(sa.Column("results_digest", sa.String(64), nullable=True))
    op.create_table(
        "board_rows",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("tracker", sa.String(32), nullable=False),
        sa.Column("unom", sa.BigInteger(), nullable=False),
        sa.Column("flat", sa.String(16), nullable=False),
        sa.Column("choice", sa.String(3), nullable=False),
        sa.Column("share", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("counted_on", sa.Date(), nullable=False),
        sa.Column("replaces", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"], name=op.f("fk_board_rows_poll_id_polls"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["publication_id"], ["publications.id"],
                                name=op.f("fk_board_rows_publication_id_publications"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["ballot_id"], ["ballots.id"], name=op.f("fk_board_rows_ballot_id_ballots"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("poll_id", "position", name=op.f("pk_board_rows")),
        sa.UniqueConstraint("poll_id", "tracker", name=op.f("uq_board_rows_poll_id_tracker")),
        sa.UniqueConstraint("poll_id", "ballot_id", name=op.f("uq_board_rows_poll_id_ballot_id")),
    )
    op.create_index(op.f("ix_board_rows_publication_id"), "board_rows", ["publication_id"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index(op.f("ix_board_rows_publication_id"), table_name="board_rows")
    op.drop_table("board_rows")
    with op.batch_alter_table("publications") as publications:
        publications.drop_column("results_digest")
        publications.drop_column("board_vkey")
        publications.drop_column("checkpoint")
        publications.drop_column("board_size")
    op.execute("DELETE FROM ballot_events WHERE kind = 'superseded'")
    with op.batch_alter_table("ballot_events") as events:
        events.drop_constraint(op.f("ck_ballot_events_kind"), type_="check")
        events.create_check_constraint(op.f("ck_ballot_events_kind"), _one_of("kind", KINDS_BEFORE))
    # the older schema knows one ballot per person and flat, and none without an account; foreign
    # keys are off on SQLite here, so the ballots' own rows go first
    gone = "SELECT id FROM ballots WHERE resident_id IS NULL OR channel <> 'telegram'"
    for child in ("registry_checks", "ballot_events", "ballot_personal_data"):
        op.execute(f"DELETE FROM {child} WHERE ballot_id IN ({gone})")
    op.execute(f"UPDATE review_flags SET ballot_id = NULL WHERE ballot_id IN ({gone})")
    op.execute(f"DELETE FROM ballots WHERE id IN ({gone})")
    op.drop_index(op.f("ix_ballots_poll_id_status_updated_at"), table_name="ballots")
    with op.batch_alter_table("ballots") as ballots:
        ballots.drop_column("gender")
        ballots.drop_column("age_band")
        ballots.drop_constraint(op.f("ck_ballots_channel"), type_="check")
        ballots.drop_constraint(op.f("uq_ballots_poll_id_flat_id_person_hmac_channel"), type_="unique")
        ballots.create_unique_constraint(
            op.f("uq_ballots_poll_id_flat_id_person_hmac"), ["poll_id", "flat_id", "person_hmac"])
        ballots.alter_column("resident_id", existing_type=sa.Integer(), nullable=False)
    if sqlite:
        triggers.create_sqlite()
