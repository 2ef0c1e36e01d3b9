"""The admin side: staff roles, the hash-chained audit log, announcements with a row per
recipient, the information centre's claims, review flags that hold a refused ballot and record
their resolution, residents' choice about announcements, and polls' descriptions and English texts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
KINDS_BEFORE = ("cast", "choice_changed", "data_corrected", "verdict", "notified", "superseded")
KINDS = (*KINDS_BEFORE, "reviewed", "recheck")


def moment() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def upgrade() -> None:
    # plain ADD COLUMN (SQLite has it): no table is rebuilt, no trigger lost
    for name, kind in (("description", sa.Text()), ("title_en", sa.String(200)),
                       ("question_en", sa.Text()), ("description_en", sa.Text())):
        op.add_column("polls", sa.Column(name, kind, nullable=True))
    op.add_column("residents", sa.Column("announcements", sa.Boolean(), nullable=False, server_default=sa.true()))
    for name, kind in (("sealed", sa.LargeBinary()), ("key_version", sa.SmallInteger()),
                       ("resolution", sa.String(16)), ("resolved_by", sa.BigInteger()),
                       ("resolution_note", sa.Text())):
        op.add_column("review_flags", sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("ballot_events") as events:
        events.drop_constraint(op.f("ck_ballot_events_kind"), type_="check")
        events.create_check_constraint(op.f("ck_ballot_events_kind"), _one_of("kind", KINDS))

    op.create_table(
        "staff_roles",
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("granted_by", sa.BigInteger(), nullable=True),
        sa.Column("granted_at", moment(), nullable=False),
        sa.CheckConstraint(_one_of("role", ("admin", "operator", "auditor")), name=op.f("ck_staff_roles_role")),
        sa.PrimaryKeyConstraint("telegram_id", "role", name=op.f("pk_staff_roles")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", moment(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_log_prev_hash")),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo", sa.Text(), nullable=True),
        sa.Column("button_poll_id", sa.Integer(), nullable=True),
        sa.Column("audience", JSON, nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("resent", sa.Integer(), nullable=False),
        sa.Column("progress_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("progress_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("started_at", moment(), nullable=True),
        sa.Column("finished_at", moment(), nullable=True),
        sa.CheckConstraint(_one_of("state", ("draft", "sending", "paused", "cancelled", "done")),
                           name=op.f("ck_broadcasts_state")),
        _fk("broadcasts", "button_poll_id", "polls", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index(op.f("ix_broadcasts_state"), "broadcasts", ["state"])
    op.create_table(
        "broadcast_recipients",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("leased_by", sa.String(32), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("sent_at", moment(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(_one_of("state", ("queued", "sending", "sent", "failed", "blocked", "skipped")),
                           name=op.f("ck_broadcast_recipients_state")),
        _fk("broadcast_recipients", "broadcast_id", "broadcasts", "CASCADE"),
        _fk("broadcast_recipients", "resident_id", "residents", "SET NULL"),
        sa.PrimaryKeyConstraint("broadcast_id", "chat_id", name=op.f("pk_broadcast_recipients")),
    )
    op.create_index(op.f("ix_broadcast_recipients_broadcast_id_state"), "broadcast_recipients",
                    ["broadcast_id", "state"])
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("operator_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("due_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.Column("answered_at", moment(), nullable=True),
        sa.Column("closed_at", moment(), nullable=True),
        sa.CheckConstraint(_one_of("kind", ("not_counted", "counted_wrongly", "other")), name=op.f("ck_claims_kind")),
        sa.CheckConstraint(_one_of("state", ("new", "in_work", "answered", "closed")), name=op.f("ck_claims_state")),
        _fk("claims", "ballot_id", "ballots", "RESTRICT"),
        _fk("claims", "resident_id", "residents", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
    )
    op.create_index(op.f("ix_claims_ballot_id"), "claims", ["ballot_id"])
    op.create_index(op.f("ix_claims_state_created_at"), "claims", ["state", "created_at"])
    op.create_table(
        "claim_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(8), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_version", sa.SmallInteger(), nullable=False),
        sa.Column("at", moment(), nullable=False),
        sa.CheckConstraint(_one_of("author", ("resident", "operator")), name=op.f("ck_claim_messages_author")),
        _fk("claim_messages", "claim_id", "claims", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_messages")),
    )
    op.create_index(op.f("ix_claim_messages_claim_id"), "claim_messages", ["claim_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_claim_messages_claim_id"), table_name="claim_messages")
    op.drop_table("claim_messages")
    op.drop_index(op.f("ix_claims_state_created_at"), table_name="claims")
    op.drop_index(op.f("ix_claims_ballot_id"), table_name="claims")
    op.drop_table("claims")
    op.drop_index(op.f("ix_broadcast_recipients_broadcast_id_state"), table_name="broadcast_recipients")
    op.drop_table("broadcast_recipients")
    op.drop_index(op.f("ix_broadcasts_state"), table_name="broadcasts")
    op.drop_table("broadcasts")
    op.drop_table("audit_log")
    op.drop_table("staff_roles")
    op.execute("DELETE FROM ballot_events WHERE kind IN ('reviewed', 'recheck')")
    with op.batch_alter_table("ballot_events") as events:
        events.drop_constraint(op.f("ck_ballot_events_kind"), type_="check")
        events.create_check_constraint(op.f("ck_ballot_events_kind"), _one_of("kind", KINDS_BEFORE))
    with op.batch_alter_table("review_flags") as flags:
        for name in ("resolution_note", "resolved_by", "resolution", "key_version", "sealed"):
            flags.drop_column(name)
    with op.batch_alter_table("residents") as residents:
        residents.drop_column("announcements")
    with op.batch_alter_table("polls") as polls:
        for name in ("description_en", "question_en", "title_en", "description"):
            polls.drop_column(name)
