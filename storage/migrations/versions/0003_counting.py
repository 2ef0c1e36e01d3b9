"""Counting: each poll's rules frozen at opening, general meetings' protocols, publications of
results with every house's numbers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def moment() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("polls") as polls:
        polls.add_column(sa.Column("counting_rules", JSON, nullable=True))
        polls.add_column(sa.Column("rules_digest", sa.String(64), nullable=True))
        polls.add_column(sa.Column("live_turnout", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "meeting_protocols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=False),
        sa.Column("included", sa.Boolean(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("imported_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"], name=op.f("fk_meeting_protocols_poll_id_polls"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["house_id"], ["houses.id"], name=op.f("fk_meeting_protocols_house_id_houses"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_protocols")),
        sa.UniqueConstraint("poll_id", "house_id", name=op.f("uq_meeting_protocols_poll_id_house_id")),
    )
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_at", moment(), nullable=False),
        sa.Column("rules", JSON, nullable=False),
        sa.Column("rules_digest", sa.String(64), nullable=False),
        sa.Column("totals", JSON, nullable=False),
        sa.Column("ballots_up_to", moment(), nullable=True),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"], name=op.f("fk_publications_poll_id_polls"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.UniqueConstraint("poll_id", "number", name=op.f("uq_publications_poll_id_number")),
    )
    op.create_table(
        "house_results",
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=False),
        sa.Column("flats_total", sa.Integer(), nullable=True),
        sa.Column("for_flats", sa.Integer(), nullable=False),
        sa.Column("against_flats", sa.Integer(), nullable=False),
        sa.Column("undecided_flats", sa.Integer(), nullable=False),
        sa.Column("silent_flats", sa.Integer(), nullable=False),
        sa.Column("effective_for", sa.String(48), nullable=False),
        sa.Column("effective_against", sa.String(48), nullable=False),
        sa.Column("base", sa.String(48), nullable=False),
        sa.Column("for_pct", sa.Float(), nullable=True),
        sa.Column("against_pct", sa.Float(), nullable=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("why", sa.String(32), nullable=False),
        sa.Column("count_decision", sa.String(16), nullable=True),
        sa.ForeignKeyConstraint(["publication_id"], ["publications.id"], name=op.f("fk_house_results_publication_id_publications"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["house_id"], ["houses.id"], name=op.f("fk_house_results_house_id_houses"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("publication_id", "house_id", name=op.f("pk_house_results")),
    )


def downgrade() -> None:
    op.drop_table("house_results")
    op.drop_table("publications")
    op.drop_table("meeting_protocols")
    with op.batch_alter_table("polls") as polls:
        polls.drop_column("live_turnout")
        polls.drop_column("rules_digest")
        polls.drop_column("counting_rules")
