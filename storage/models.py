"""The data model: houses, polls, residents, ballots and what verification and notices need.

Raw personal identifiers are never stored: matching uses keyed HMACs (`*_hmac`, hex digests
from `storage.pii.PiiVault`) and what verification must read back is kept AES-GCM sealed
(`sealed` columns). Moments are timezone-aware UTC (`UtcDateTime`).
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import Json, UtcDateTime, utcnow
from verification.levels import IDENTIFIERS, Levels

# Named constraints: Alembic's batch mode on SQLite and later migrations need stable names.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class PollState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Choice(StrEnum):
    YES = "yes"
    NO = "no"


class BallotStatus(StrEnum):
    PENDING = "pending"
    COUNTED = "counted"
    REJECTED = "rejected"


class EventKind(StrEnum):
    CAST = "cast"
    CHOICE_CHANGED = "choice_changed"
    DATA_CORRECTED = "data_corrected"
    VERDICT = "verdict"
    NOTIFIED = "notified"
    SUPERSEDED = "superseded"  # the same person's ballot for the flat on another channel counts instead
    REVIEWED = "reviewed"  # an operator resolved a review flag about it (detail: flag, outcome, reason)
    RECHECK = "recheck"  # an operator sent it back to the registries (detail: why, e.g. a claim)


class Channel(StrEnum):
    """Where a ballot was cast: in the bot, or on paper at a service centre (imported by an operator)."""

    TELEGRAM = "telegram"
    PAPER = "paper"


class Registry(StrEnum):
    EIRC = "eirc"  # address + FLS (utility payer number)
    MVD = "mvd"  # passport
    PFR = "pfr"  # SNILS
    ROSREESTR = "rosreestr"  # property rights


#: The identifiers a ballot's personal data may hold HMACs of (keys of `cast(identifiers=...)`).
IDENTIFIER_KINDS = tuple(item.value for item in IDENTIFIERS)


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class House(Base):
    """An apartment house, keyed by Moscow's UNOM; `official_*` is its 2017 renovation result."""

    __tablename__ = "houses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unom: Mapped[int] = mapped_column(BigInteger, unique=True)
    address: Mapped[str] = mapped_column(Text)
    okrug: Mapped[str] = mapped_column(String(32), default="")
    district: Mapped[str] = mapped_column(String(128), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    #: The address as the typo-tolerant search compares it (see `normalise_address`).
    search_form: Mapped[str] = mapped_column(Text)
    flats_total: Mapped[int | None] = mapped_column(Integer)
    official_for_pct: Mapped[float | None] = mapped_column(Float)
    official_against_pct: Mapped[float | None] = mapped_column(Float)
    official_status: Mapped[str | None] = mapped_column(String(16))
    official_meeting_protocol: Mapped[bool | None] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Poll(Base):
    """A question put to the residents of all houses or of a listed subset (`poll_houses`).

    `state` is the operator's switch (draft → open → closed); a ballot is accepted only while
    the poll is open *and* `opens_at <= now < closes_at`. The verdict on a ballot is due within
    `verdict_days` working days.
    """

    __tablename__ = "polls"
    __table_args__ = (
        CheckConstraint(_one_of("state", PollState), name="state"),
        CheckConstraint("identity_level BETWEEN 1 AND 3", name="identity_level"),
        CheckConstraint("apartment_level BETWEEN 0 AND 2", name="apartment_level"),
        CheckConstraint("closes_at > opens_at", name="window"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    #: what residents read before the first question; the `*_en` texts are shown in English
    description: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(String(200))
    question_en: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    identity_level: Mapped[int] = mapped_column(SmallInteger, default=3)
    apartment_level: Mapped[int] = mapped_column(SmallInteger, default=2)
    min_age: Mapped[int] = mapped_column(SmallInteger, default=18)
    verdict_days: Mapped[int] = mapped_column(SmallInteger, default=4)
    state: Mapped[str] = mapped_column(String(8), default=PollState.DRAFT, index=True)
    all_houses: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the counting rules' canonical JSON and its SHA-256, frozen when the poll opens
    counting_rules: Mapped[dict | None] = mapped_column(Json)
    rules_digest: Mapped[str | None] = mapped_column(String(64))
    #: whether residents see their house's turnout before the results are published
    live_turnout: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    @property
    def levels(self) -> Levels:
        """The verification levels this poll requires."""
        return Poll.levels_of(self.identity_level, self.apartment_level)

    @staticmethod
    @lru_cache(maxsize=16)
    def levels_of(identity_level: int, apartment_level: int) -> Levels:
        """The levels a poll's two columns stand for, also when read without the ORM; one
        object a pair, as a verification batch reads thousands of rows."""
        return Levels(identity_level, apartment_level)

    def accepts_ballots_at(self, moment: datetime) -> bool:
        return self.state == PollState.OPEN and self.opens_at <= moment < self.closes_at

    def accepts_paper_cast_at(self, moment: datetime) -> bool:
        """A paper ballot filled in at a service centre while voting ran; its import may come
        after the close (never for a draft)."""
        return self.state != PollState.DRAFT and self.opens_at <= moment < self.closes_at


class PollHouse(Base):
    """A house taking part in a poll that is not for all houses."""

    __tablename__ = "poll_houses"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    house_id: Mapped[int] = mapped_column(
        ForeignKey("houses.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Flat(Base):
    """A flat of a house; `number` is normalised text such as "12А"."""

    __tablename__ = "flats"
    __table_args__ = (UniqueConstraint("house_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(16))

    house: Mapped[House] = relationship(lazy="raise")


class Resident(Base):
    """A Telegram account talking to the bot; it says nothing about who the person is."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    language: Mapped[str] = mapped_column(String(8), default="ru")
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: Set when Telegram refuses delivery (bot blocked); cleared when the resident writes again.
    unreachable_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: whether the resident takes announcements (`/settings`); verdict and result notices always go
    announcements: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ConsentKind(StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


class ConsentEvent(Base):
    """The consent log (152-FZ): each grant and withdrawal of consent, kept after a withdrawal."""

    __tablename__ = "consent_events"
    __table_args__ = (CheckConstraint(_one_of("kind", ConsentKind), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(9))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Ballot(Base):
    """A vote for one flat in one poll, identified to the resident by its receipt code.

    Two rules hold in the database itself: one person (`person_hmac`) holds at most one ballot
    per flat, poll and channel, and one Telegram account (`resident_id`) one per flat and poll.
    A person's ballots for a flat on two channels may both exist: the count's rules pick the one
    that counts and mark the other superseded. A paper ballot has no account (`resident_id` None).

    `age_band` and `gender` are coarse attributes recorded at casting for the statistics (never
    the birth date itself).
    """

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("poll_id", "flat_id", "person_hmac", "channel"),
        UniqueConstraint("poll_id", "flat_id", "resident_id"),
        CheckConstraint(_one_of("choice", Choice), name="choice"),
        CheckConstraint(_one_of("channel", Channel), name="channel"),
        CheckConstraint(_one_of("status", BallotStatus), name="status"),
        Index(None, "status", "created_at"),
        Index(None, "poll_id", "house_id", "status"),
        Index(None, "poll_id", "status", "updated_at"),  # the newest verdict of a count, at once
        Index(None, "resident_id"),
        Index(None, "poll_id", "person_hmac"),  # a person's rejected attempts in a poll (the limits)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="RESTRICT"))
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id", ondelete="RESTRICT"))
    flat_id: Mapped[int] = mapped_column(ForeignKey("flats.id", ondelete="RESTRICT"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="RESTRICT"))
    choice: Mapped[str] = mapped_column(String(3))
    receipt_code: Mapped[str] = mapped_column(String(10), unique=True)
    status: Mapped[str] = mapped_column(String(8), default=BallotStatus.PENDING)
    #: Reason codes (`verification.decision.REASONS`) explaining a rejection, e.g. ["passport.invalid"].
    reasons: Mapped[list[str]] = mapped_column(Json, default=list)
    channel: Mapped[str] = mapped_column(String(16), default=Channel.TELEGRAM)
    person_hmac: Mapped[str] = mapped_column(String(64))
    age_band: Mapped[str | None] = mapped_column(String(8))
    gender: Mapped[str | None] = mapped_column(String(1))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    poll: Mapped[Poll] = relationship(lazy="raise")
    house: Mapped[House] = relationship(lazy="raise")
    flat: Mapped[Flat] = relationship(lazy="raise")
    personal_data: Mapped[BallotPersonalData | None] = relationship(
        back_populates="ballot", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    events: Mapped[list[BallotEvent]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True, order_by="BallotEvent.id"
    )


class BallotPersonalData(Base):
    """What verification needs about a ballot's voter, purgeable after the poll on its own.

    `sealed` is `PiiVault.seal(...)` output (nonce + AES-GCM ciphertext) made with
    `key_version`; the `*_hmac` columns are `PiiVault.digest(kind, value)` for matching.
    """

    __tablename__ = "ballot_personal_data"

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True
    )
    passport_hmac: Mapped[str | None] = mapped_column(String(64), index=True)
    snils_hmac: Mapped[str | None] = mapped_column(String(64), index=True)
    fls_hmac: Mapped[str | None] = mapped_column(String(64), index=True)
    property_document_hmac: Mapped[str | None] = mapped_column(String(64))
    #: None once erased (`erased_at`): after the poll's purge, or when the resident withdrew
    #: consent; the digests stay, so counting and de-duplication still hold
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_version: Mapped[int | None] = mapped_column(SmallInteger, default=1)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    ballot: Mapped[Ballot] = relationship(back_populates="personal_data", lazy="raise")


class BallotEvent(Base):
    """One step of a ballot's history; `detail` never carries raw personal data."""

    __tablename__ = "ballot_events"
    __table_args__ = (CheckConstraint(_one_of("kind", EventKind), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class ReviewFlag(Base):
    """Something a person must look at, e.g. one identity voting from a second account.

    A ballot refused for review is held here (`sealed`: its data and choice, made with
    `key_version`) so that an operator can accept it; `resolution` says what the operator decided
    (e.g. "keep_first", "accept_second", "reject_both"), `resolved_by` who, `resolution_note` why.
    """

    __tablename__ = "review_flags"
    __table_args__ = (Index(None, "poll_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id", ondelete="SET NULL"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_version: Mapped[int | None] = mapped_column(SmallInteger)
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_by: Mapped[int | None] = mapped_column(BigInteger)
    resolution_note: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    """A notice to a chat, queued in the transaction that decided it and sent by a worker.

    Workers pick `sent_at IS NULL AND next_attempt_at <= now`; `dedupe_key` (optional, unique)
    keeps a notice from being queued twice when a decision is replayed.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class RegistryRecord(Base):
    """A row of a registry stand-in (EIRC, MVD, Pension Fund, Rosreestr), found by `key_hmac`.

    `key_hmac` is the HMAC of the identifier the registry is searched by (FLS, passport,
    SNILS, property document). `name_key` is the normalised full name key the checks compare;
    store a `PiiVault.digest` there rather than the name when the data is real. Birth dates
    are kept only as digests (`birth_digest`); EIRC's sealed blob holds name and birth date.
    """

    __tablename__ = "registry_records"
    __table_args__ = (
        CheckConstraint(_one_of("source", Registry), name="source"),
        Index(None, "source", "key_hmac"),
        Index(None, "source", "unom", "flat"),  # EIRC flats by house and number (no FLS given)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Which registry the row stands for: a `Registry` value.
    source: Mapped[str] = mapped_column(String(16))
    key_hmac: Mapped[str] = mapped_column(String(64))
    unom: Mapped[int | None] = mapped_column(BigInteger)
    flat: Mapped[str | None] = mapped_column(String(16))
    name_key: Mapped[str | None] = mapped_column(String(255))
    #: The HMAC of the person's birth date (`registry_import.BIRTH_KIND`): compared, never read
    #: back. Empty on rows from before revision 0006, which must be imported again.
    birth_digest: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(32))
    share_numerator: Mapped[int | None] = mapped_column(Integer)
    share_denominator: Mapped[int | None] = mapped_column(Integer)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_version: Mapped[int | None] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class RegistryCheck(Base):
    """The verification queue: a row for every pending ballot, waiting for or leased to a worker.

    Database triggers (migration 0002) add the row when a ballot is inserted as pending or set
    back to pending, so no ballot waits unseen whoever wrote it. A worker leases rows by moving
    `due_at` ahead and writing its `leased_by` token; one that dies lets the lease run out and
    another takes the ballot. The row goes away with the verdict.

    Alembic's batch mode on SQLite re-creates a table it alters, dropping its triggers: a later
    migration that batch-alters `ballots` must create them again (the worker's start-up sweep,
    `RegistryCheckRepository.queue_missing`, covers such a gap).
    """

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
    #: `PiiVault.seal` of the definitive answers so far (an EIRC answer names the flat's people),
    #: made with `key_version`.
    answers: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_version: Mapped[int | None] = mapped_column(SmallInteger)
