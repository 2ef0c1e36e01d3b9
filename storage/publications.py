"""What counting keeps: general meetings' protocols, each publication of a poll's results, and
the public array of counted ballots the publications append to.

A publication is numbered per poll and never rewritten: a later one (after late verdicts) is a
new number, the old ones stay. Each keeps the rules it was counted by (canonical JSON and its
SHA-256) and every house's numbers, the fractions exact as "numerator/denominator" text.

These tables live beside `storage.models` (sharing its `Base`) and are not imported by it;
`storage.migrations.env` imports both.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
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
    #: the public array's size at this publication and its checkpoint (a signed note, `board/`)
    board_size: Mapped[int | None] = mapped_column(Integer)
    checkpoint: Mapped[str | None] = mapped_column(Text)
    #: the verifier key (C2SP vkey) of the checkpoint's signature: all a reader needs to check it
    board_vkey: Mapped[str | None] = mapped_column(String(200))
    #: SHA-256 of the per-house results file as published (the checkpoint signs it)
    results_digest: Mapped[str | None] = mapped_column(String(64))


class BoardEntry(Base):
    """One row of a poll's public array of counted ballots, at its place in the Merkle log.

    Rows are only ever appended (a later publication adds the ballots verified since). What is
    public is the row's fields (`board.rows.BoardRow`); `ballot_id` stays here, so the bot can
    show a resident their own rows, and is never exported.
    """

    __tablename__ = "board_rows"
    __table_args__ = (UniqueConstraint("poll_id", "tracker"), UniqueConstraint("poll_id", "ballot_id"))

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="RESTRICT"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id", ondelete="RESTRICT"), index=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="RESTRICT"))
    tracker: Mapped[str] = mapped_column(String(32))
    unom: Mapped[int] = mapped_column(BigInteger)
    flat: Mapped[str] = mapped_column(String(16))
    choice: Mapped[str] = mapped_column(String(3))
    share: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    counted_on: Mapped[date] = mapped_column(Date)
    replaces: Mapped[str] = mapped_column(String(32), default="")


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
