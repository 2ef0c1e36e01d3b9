"""Who may act as staff, and the append-only record of what staff and the system did.

Admins named in `ADMIN_IDS` need no row here; every other role is granted by an admin and kept in
`staff_roles` (a revocation deletes the row; the audit log keeps the history). `audit_log` is a
hash chain: each entry carries the SHA-256 of the one before, so an edited, removed or reordered
entry is found by recomputing the chain (`python -m bot audit verify`).

These tables live beside `storage.models` (sharing its `Base`); `storage.migrations.env` imports them.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, _one_of
from storage.types import Json, UtcDateTime, utcnow


class Role(StrEnum):
    ADMIN = "admin"  # everything, including granting roles
    OPERATOR = "operator"  # claims, the review queue, paper ballots at the counter
    AUDITOR = "auditor"  # reads dashboards and the audit log, changes nothing


class StaffRole(Base):
    __tablename__ = "staff_roles"
    __table_args__ = (CheckConstraint(_one_of("role", Role), name="role"),)

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: the admin who granted it; None when granted from the command line
    granted_by: Mapped[int | None] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuditEntry(Base):
    """One action, in order; `detail` never holds raw personal data (ids, codes and digests only).

    `actor` is "tg:<telegram id>" for staff in the bot, "cli" for the command line, "worker" for the
    verification worker, "bot" for what the bot decides itself (a limit reached, `bot.limits`).
    `hash` = SHA-256 over `prev_hash` and the entry's canonical form.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    #: unique: two entries written at once cannot both follow the same one (the chain never forks)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
