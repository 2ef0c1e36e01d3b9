"""An index of ballots by poll and person: the failed-verification limit counts one person's
rejected attempts in a poll at every cast and correction, which would otherwise read the whole
poll's ballots.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain CREATE INDEX: the table is not rebuilt, so its triggers (0002) stay
    op.create_index("ix_ballots_poll_id_person_hmac", "ballots", ["poll_id", "person_hmac"])


def downgrade() -> None:
    op.drop_index("ix_ballots_poll_id_person_hmac", table_name="ballots")
