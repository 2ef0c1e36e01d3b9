"""Initial schema: houses, polls, flats, residents, ballots with their personal data and
history, review flags, the notice outbox and the registry stand-ins.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here rather than imported from storage.types: a migration must not change later.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def moment() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "houses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unom", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("okrug", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=128), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("search_form", sa.Text(), nullable=False),
        sa.Column("flats_total", sa.Integer(), nullable=True),
        sa.Column("official_for_pct", sa.Float(), nullable=True),
        sa.Column("official_against_pct", sa.Float(), nullable=True),
        sa.Column("official_status", sa.String(length=16), nullable=True),
        sa.Column("official_meeting_protocol", sa.Boolean(), nullable=True),
        sa.Column("updated_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_houses")),
        sa.UniqueConstraint("unom", name=op.f("uq_houses_unom")),
    )
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("opens_at", moment(), nullable=False),
        sa.Column("closes_at", moment(), nullable=False),
        sa.Column("identity_level", sa.SmallInteger(), nullable=False),
        sa.Column("apartment_level", sa.SmallInteger(), nullable=False),
        sa.Column("min_age", sa.SmallInteger(), nullable=False),
        sa.Column("verdict_days", sa.SmallInteger(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("all_houses", sa.Boolean(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.CheckConstraint("state IN ('draft', 'open', 'closed')", name=op.f("ck_polls_state")),
        sa.CheckConstraint("identity_level BETWEEN 1 AND 3", name=op.f("ck_polls_identity_level")),
        sa.CheckConstraint("apartment_level BETWEEN 0 AND 2", name=op.f("ck_polls_apartment_level")),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_polls_window")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
    )
    op.create_index(op.f("ix_polls_state"), "polls", ["state"])
    op.create_table(
        "poll_houses",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_houses_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["house_id"], ["houses.id"], name=op.f("fk_poll_houses_house_id_houses"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("poll_id", "house_id", name=op.f("pk_poll_houses")),
    )
    op.create_index(op.f("ix_poll_houses_house_id"), "poll_houses", ["house_id"])
    op.create_table(
        "flats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["house_id"], ["houses.id"], name=op.f("fk_flats_house_id_houses"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flats")),
        sa.UniqueConstraint("house_id", "number", name=op.f("uq_flats_house_id_number")),
    )
    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("consent_at", moment(), nullable=True),
        sa.Column("unreachable_at", moment(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("telegram_id", name=op.f("uq_residents_telegram_id")),
    )
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=False),
        sa.Column("flat_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=3), nullable=False),
        sa.Column("receipt_code", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("person_hmac", sa.String(length=64), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.Column("verified_at", moment(), nullable=True),
        sa.CheckConstraint("choice IN ('yes', 'no')", name=op.f("ck_ballots_choice")),
        sa.CheckConstraint(
            "status IN ('pending', 'counted', 'rejected')", name=op.f("ck_ballots_status")
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_ballots_poll_id_polls"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["house_id"], ["houses.id"], name=op.f("fk_ballots_house_id_houses"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["flat_id"], ["flats.id"], name=op.f("fk_ballots_flat_id_flats"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_ballots_resident_id_residents"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("receipt_code", name=op.f("uq_ballots_receipt_code")),
        # One person, one ballot per flat and poll; one Telegram account likewise.
        sa.UniqueConstraint(
            "poll_id", "flat_id", "person_hmac", name=op.f("uq_ballots_poll_id_flat_id_person_hmac")
        ),
        sa.UniqueConstraint(
            "poll_id", "flat_id", "resident_id", name=op.f("uq_ballots_poll_id_flat_id_resident_id")
        ),
    )
    op.create_index(op.f("ix_ballots_status_created_at"), "ballots", ["status", "created_at"])
    op.create_index(
        op.f("ix_ballots_poll_id_house_id_status"), "ballots", ["poll_id", "house_id", "status"]
    )
    op.create_index(op.f("ix_ballots_resident_id"), "ballots", ["resident_id"])
    op.create_table(
        "ballot_personal_data",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("passport_hmac", sa.String(length=64), nullable=True),
        sa.Column("snils_hmac", sa.String(length=64), nullable=True),
        sa.Column("fls_hmac", sa.String(length=64), nullable=True),
        sa.Column("property_document_hmac", sa.String(length=64), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_version", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_ballot_personal_data_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ballot_id", name=op.f("pk_ballot_personal_data")),
    )
    for column in ("passport_hmac", "snils_hmac", "fls_hmac"):
        op.create_index(op.f(f"ix_ballot_personal_data_{column}"), "ballot_personal_data", [column])
    op.create_table(
        "ballot_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("at", moment(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.CheckConstraint(
            "kind IN ('cast', 'choice_changed', 'data_corrected', 'verdict', 'notified')",
            name=op.f("ck_ballot_events_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_ballot_events_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_events")),
    )
    op.create_index(op.f("ix_ballot_events_ballot_id"), "ballot_events", ["ballot_id"])
    op.create_table(
        "review_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("resolved_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_review_flags_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_review_flags_ballot_id_ballots"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_review_flags_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_flags")),
    )
    op.create_index(
        op.f("ix_review_flags_poll_id_resolved_at"), "review_flags", ["poll_id", "resolved_at"]
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("dedupe_key", sa.String(length=128), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("next_attempt_at", moment(), nullable=False),
        sa.Column("sent_at", moment(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    op.create_index(op.f("ix_outbox_sent_at_next_attempt_at"), "outbox", ["sent_at", "next_attempt_at"])
    op.create_table(
        "registry_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("key_hmac", sa.String(length=64), nullable=False),
        sa.Column("unom", sa.BigInteger(), nullable=True),
        sa.Column("flat", sa.String(length=16), nullable=True),
        sa.Column("name_key", sa.String(length=255), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("share_numerator", sa.Integer(), nullable=True),
        sa.Column("share_denominator", sa.Integer(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("key_version", sa.SmallInteger(), nullable=True),
        sa.Column("updated_at", moment(), nullable=False),
        sa.CheckConstraint(
            "source IN ('eirc', 'mvd', 'pfr', 'rosreestr')", name=op.f("ck_registry_records_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_records")),
    )
    op.create_index(
        op.f("ix_registry_records_source_key_hmac"), "registry_records", ["source", "key_hmac"]
    )


def downgrade() -> None:
    # Dependants first; indexes go with their tables.
    for table in (
        "registry_records",
        "outbox",
        "review_flags",
        "ballot_events",
        "ballot_personal_data",
        "ballots",
        "residents",
        "flats",
        "poll_houses",
        "polls",
        "houses",
    ):
        op.drop_table(table)
