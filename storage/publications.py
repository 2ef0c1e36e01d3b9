"""What counting keeps: general meetings' protocols, and each publication of a poll's results.

A publication is numbered per poll and never rewritten: a later one (after late verdicts) is a
new number, the old ones stay. Each keeps the rules it was counted by (canonical JSON and its
SHA-256) and every house's numbers, the fractions exact as "numerator/denominator" text.

These tables live beside `storage.models` (sharing its `Base`) and are not imported by it;
`storage.migrations.env` imports both.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import Json, UtcDateTime, utcnow


class MeetingProtocol(Base):
    """A general meeting of owners' decision for a house in a poll; it takes precedence."""

    __tablename__ = "meeting_protocols"
    __table_args__ = (UniqueConstraint("poll_id", "house_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id", ondelete="RESTRICT"))
    included: Mapped[bool] = mapped_column(Boolean)
    held_on: Mapped[date] = mapped_column(Date)
    number: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Publication(Base):
    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("poll_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    rules: Mapped[dict] = mapped_column(Json)
    rules_digest: Mapped[str] = mapped_column(String(64))
    #: the poll's totals: houses by decision, ballots counted, flats that voted
    totals: Mapped[dict] = mapped_column(Json)
    #: the newest verdict among the counted ballots: a later one makes a new publication worth it
    ballots_up_to: Mapped[datetime | None] = mapped_column(UtcDateTime)


class HouseResultRow(Base):
    """One house's result in one publication: the numbers in its formula and the decision."""

    __tablename__ = "house_results"

    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"),
                                                primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id", ondelete="RESTRICT"), primary_key=True)
    flats_total: Mapped[int | None] = mapped_column(Integer)
    for_flats: Mapped[int] = mapped_column(Integer)
    against_flats: Mapped[int] = mapped_column(Integer)
    undecided_flats: Mapped[int] = mapped_column(Integer)
    silent_flats: Mapped[int] = mapped_column(Integer)
    effective_for: Mapped[str] = mapped_column(String(48))
    effective_against: Mapped[str] = mapped_column(String(48))
    base: Mapped[str] = mapped_column(String(48))
    for_pct: Mapped[float | None] = mapped_column(Float)
    against_pct: Mapped[float | None] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(16))
    why: Mapped[str] = mapped_column(String(32))
    count_decision: Mapped[str | None] = mapped_column(String(16))  # what the count said under a protocol
