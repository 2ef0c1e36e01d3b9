"""Announcements to residents: a job and one row per recipient, so a crash loses nothing and a
resumed job sends nobody a second copy beyond the rows that were in flight.

A recipient row goes queued → sending (leased by a sender round, `leased_by`) → sent | failed |
blocked; `skipped` is a resident who turned announcements off after the job was built. Rows still
`sending` when a sender died are the in-flight bound: on resume they are sent again and counted
as `resent` on the job.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, _one_of
from storage.types import Json, UtcDateTime, utcnow


class BroadcastState(StrEnum):
    DRAFT = "draft"  # composed, audience counted, not confirmed
    SENDING = "sending"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


class RecipientState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"  # Telegram answered 403: the resident is marked unreachable
    SKIPPED = "skipped"  # turned announcements off, or unreachable, by the time of sending


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (CheckConstraint(_one_of("state", BroadcastState), name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int] = mapped_column(BigInteger)  # the admin's Telegram id
    state: Mapped[str] = mapped_column(String(12), default=BroadcastState.DRAFT, index=True)
    #: the text as Telegram HTML (what the admin wrote, formatting kept)
    text: Mapped[str] = mapped_column(Text)
    #: a Telegram file_id of the photo sent with it, if any
    photo: Mapped[str | None] = mapped_column(Text)
    #: a button opening this poll in the bot, if any
    button_poll_id: Mapped[int | None] = mapped_column(ForeignKey("polls.id", ondelete="SET NULL"))
    #: who it goes to, e.g. {"kind": "poll", "poll_id": 3} or {"kind": "area", "okrug": "ЮЗАО"}
    audience: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    #: messages a second the job may use (the global limit is shared by every sender)
    rate: Mapped[float] = mapped_column(Float, default=25.0)
    #: sent with Telegram's allow_paid_broadcast (above 30/s, paid in Stars)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[int] = mapped_column(Integer, default=0)
    #: rows found `sending` after a sender died and sent again: the most copies anyone got twice
    resent: Mapped[int] = mapped_column(Integer, default=0)
    #: the admin's progress message, edited in place
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class BroadcastRecipient(Base):
    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        CheckConstraint(_one_of("state", RecipientState), name="state"),
        Index(None, "broadcast_id", "state"),
    )

    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(8), default=RecipientState.QUEUED)
    leased_by: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(Text)
