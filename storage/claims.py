"""The information centre's claims: a resident's question or complaint about one ballot, and the
conversation with the operators who answer it.

What residents and operators write is sealed (`PiiVault.seal`, with `key_version`): free text may
hold personal data. A claim goes new → in_work → answered → closed; an answer notifies the resident.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, _one_of
from storage.types import UtcDateTime, utcnow


class ClaimKind(StrEnum):
    NOT_COUNTED = "not_counted"  # "my vote was not counted"
    COUNTED_WRONGLY = "counted_wrongly"  # "my vote was counted wrongly"
    OTHER = "other"


class ClaimState(StrEnum):
    NEW = "new"
    IN_WORK = "in_work"
    ANSWERED = "answered"
    CLOSED = "closed"


class Author(StrEnum):
    RESIDENT = "resident"
    OPERATOR = "operator"


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ClaimKind), name="kind"),
        CheckConstraint(_one_of("state", ClaimState), name="state"),
        Index(None, "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="RESTRICT"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(8), default=ClaimState.NEW)
    #: the operator who took it (Telegram id)
    operator_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: when an answer is due, by the service level on the working-day calendar
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ClaimMessage(Base):
    __tablename__ = "claim_messages"
    __table_args__ = (CheckConstraint(_one_of("author", Author), name="author"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(8))
    #: the resident's or the operator's Telegram id
    author_id: Mapped[int] = mapped_column(BigInteger)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(SmallInteger, default=1)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
