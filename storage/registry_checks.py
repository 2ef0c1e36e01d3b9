"""The verification queue: one `RegistryCheck` row for every pending ballot.

A row appears with its ballot: database triggers (migration 0002) add it when a ballot is
inserted as pending or set back to pending, so no ballot waits unseen whoever wrote it. A
worker leases rows by moving `due_at` ahead and writing its `leased_by` token; a worker that
dies simply lets the lease run out and another takes the ballot. The row goes away with the
verdict. `answers` keeps the registries' definitive answers between retries, sealed, since an
EIRC answer names the people of a flat.

Keep in mind: Alembic's batch mode on SQLite re-creates a table it alters, which drops the
table's triggers; a later migration that batch-alters `ballots` must create them again (the
worker's start-up sweep, `RegistryCheckRepository.queue_missing`, covers such a gap).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, RegistryRecord
from storage.types import Json, UtcDateTime


class RegistryCheck(Base):
    """A pending ballot waiting for (or leased to) a verification worker."""

    __tablename__ = "registry_checks"
    __table_args__ = (Index(None, "due_at"),)

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True
    )
    #: When a worker may take the ballot: now for a new one, later for a retry or a lease.
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The token of the worker round holding the lease; None when nobody holds it.
    leased_by: Mapped[str | None] = mapped_column(String(32))
    #: Registries that had not answered at the last attempt (names only).
    waiting_for: Mapped[list[str]] = mapped_column(Json, default=list)
    #: `PiiVault.seal` of the definitive answers so far, made with `key_version`.
    answers: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_version: Mapped[int | None] = mapped_column(SmallInteger)


#: Lookups of EIRC flats by house and flat number (claims without an FLS).
REGISTRY_FLAT_INDEX = Index(
    "ix_registry_records_source_unom_flat",
    RegistryRecord.source, RegistryRecord.unom, RegistryRecord.flat,
)
