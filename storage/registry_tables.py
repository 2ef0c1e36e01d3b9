"""The four registry ports answered from the imported extracts (`registry_records`).

`RegistryTables` is the local adapter: each port call runs one indexed query, which is what a
single check needs. A verification worker asks for a whole batch at once instead:
`for_claims(claims)` loads every record the batch can touch with one query per registry (the
keys bound as one value, see `dialect.among`) and returns ports answering from that snapshot
in memory.

Records hold HMACs, never identifiers, names or birth dates (see `storage.registry_import`): an
identifier is found by its digest, and a name or a birth date matches when the digest of the
claim's equals the record's. EIRC must tell who lives in a flat: a single call opens the names
and birth dates sealed in the records; a batch snapshot names the people it was asked about
(their digests meet a claim's) and leaves everybody else opaque, which no claim can match.

A record without a birth date digest (imported before revision 0006) decides nothing: the check
is unavailable, so the ballot waits — never rejected for a date that cannot be compared — until
the registry is imported again.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.database import reading
from storage.models import Registry, RegistryRecord
from storage.pii import PiiVault, SealError
from storage.registry_import import KEY_KINDS, NAME_KIND, birth_digest
from storage.repositories.dialect import among
from storage.types import utcnow
from verification.claim import BallotClaim
from verification.asking import Registries
from verification.registries import (
    BIRTH_DATE, EIRC, FLAT, FLS, FULL_NAME, MVD, PFR, ROSREESTR, STATUS, Answered, Outcome,
    RegistryAnswer,
)

log = logging.getLogger(__name__)

IN_CHUNK = 2000  # keys or flats per query: bounded statements however large the batch
# Core columns, not ORM attributes: a batch reads thousands of rows and needs no ORM loading
_RECORDS = RegistryRecord.__table__
_COLUMNS = (_RECORDS.c.key_hmac, _RECORDS.c.unom, _RECORDS.c.flat, _RECORDS.c.name_key,
            _RECORDS.c.birth_digest, _RECORDS.c.role, _RECORDS.c.status, _RECORDS.c.share_numerator,
            _RECORDS.c.share_denominator, _RECORDS.c.sealed)
# a batch names people by the claims' digests, never by the sealed names: it leaves them unread
_BATCH_COLUMNS = _COLUMNS[:-1]
Row = Any  # a result row with the _COLUMNS above
REIMPORT_NOTICE_EVERY = 60.0  # seconds between reminders that a registry must be imported again
_reminded: dict[str, float] = {}


# --- what a registry answers, from its records ----------------------------------------------


def _person_fields(row: Row, name_digest: str, born_digest: str) -> tuple[str, ...]:
    differ = []
    if row.name_key != name_digest:
        differ.append(FULL_NAME)
    if row.birth_digest != born_digest:
        differ.append(BIRTH_DATE)
    return tuple(differ)


def _undigested(registry: str, rows: Iterable[Row], at: datetime) -> RegistryAnswer | None:
    """`unavailable` if a record has no birth date digest (imported before 0006), else None."""
    if all(row.birth_digest is not None for row in rows):
        return None
    now = time.monotonic()
    if now - _reminded.get(registry, -REIMPORT_NOTICE_EVERY) >= REIMPORT_NOTICE_EVERY:
        _reminded[registry] = now
        log.error("registry %s has records without birth date digests (imported before the upgrade): "
                  "import it again with `python -m bot import-registry %s FILE`; its checks wait",
                  registry, registry)
    return RegistryAnswer.unavailable(registry, at)


def eirc_answer(rows: Sequence[Row], unom: int, flat: str, by_fls: bool,
                person_of: Callable[[Row], tuple[str, str]], at: datetime) -> RegistryAnswer:
    """`person_of(row)`: the person's name key and ISO birth date ("" when not to be told)."""
    if not rows:
        return RegistryAnswer(EIRC, Outcome.UNKNOWN, checked_at=at)
    if by_fls and (rows[0].unom, rows[0].flat) != (unom, flat):
        return RegistryAnswer(EIRC, Outcome.MISMATCH, (FLS,), checked_at=at)
    stale = _undigested(EIRC, rows, at)
    if stale is not None:
        return stale
    people = []
    for row in rows:
        name_key, born = person_of(row)
        people.append({"name_key": name_key, "birth_date": born, "role": row.role})
    return RegistryAnswer(EIRC, Outcome.MATCH, facts={"people": people}, checked_at=at)


def mvd_answer(row: Row | None, name_digest: str, born_digest: str, at: datetime) -> RegistryAnswer:
    if row is None:
        return RegistryAnswer(MVD, Outcome.UNKNOWN, checked_at=at)
    stale = _undigested(MVD, (row,), at)
    if stale is not None:
        return stale
    differ = _person_fields(row, name_digest, born_digest)
    if row.status != "valid":
        differ = (STATUS, *differ)
    outcome = Outcome.MISMATCH if differ else Outcome.MATCH
    return RegistryAnswer(MVD, outcome, differ, {"status": row.status}, at)


def pfr_answer(row: Row | None, name_digest: str, born_digest: str, at: datetime) -> RegistryAnswer:
    if row is None:
        return RegistryAnswer(PFR, Outcome.UNKNOWN, checked_at=at)
    stale = _undigested(PFR, (row,), at)
    if stale is not None:
        return stale
    differ = _person_fields(row, name_digest, born_digest)
    return RegistryAnswer(PFR, Outcome.MISMATCH if differ else Outcome.MATCH, differ, checked_at=at)


def rosreestr_answer(rows: Sequence[Row], unom: int, flat: str, name_digest: str,
                     born_digest: str, at: datetime) -> RegistryAnswer:
    if not rows:
        return RegistryAnswer(ROSREESTR, Outcome.UNKNOWN, checked_at=at)
    if (rows[0].unom, rows[0].flat) != (unom, flat):
        return RegistryAnswer(ROSREESTR, Outcome.MISMATCH, (FLAT,), checked_at=at)
    stale = _undigested(ROSREESTR, rows, at)
    if stale is not None:
        return stale
    for row in rows:
        if not _person_fields(row, name_digest, born_digest):
            share = (str(row.share_numerator) if row.share_denominator == 1
                     else f"{row.share_numerator}/{row.share_denominator}")
            return RegistryAnswer(ROSREESTR, Outcome.MATCH, facts={"share": share}, checked_at=at)
    return RegistryAnswer(ROSREESTR, Outcome.MISMATCH, (FULL_NAME, BIRTH_DATE), checked_at=at)


# --- queries --------------------------------------------------------------------------------


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    values = list(values)
    for start in range(0, len(values), IN_CHUNK):
        yield values[start:start + IN_CHUNK]


async def _by_keys(session: AsyncSession, source: Registry, keys: Iterable[str],
                   columns: Sequence[Any] = _COLUMNS) -> dict[str, list[Row]]:
    found: dict[str, list[Row]] = defaultdict(list)
    for chunk in _chunks(set(keys)):
        statement = (select(*columns)
                     .where(_RECORDS.c.source == source.value,
                            among(session, _RECORDS.c.key_hmac, chunk))
                     .order_by(_RECORDS.c.id))
        for row in (await session.execute(statement)).all():  # one fetch, not one a row
            found[row.key_hmac].append(row)
    return found


async def _by_flats(session: AsyncSession, flats: Iterable[tuple[int, str]],
                    columns: Sequence[Any] = _COLUMNS) -> dict[tuple[int, str], list[Row]]:
    found: dict[tuple[int, str], list[Row]] = defaultdict(list)
    for chunk in _chunks(set(flats)):
        statement = (select(*columns)
                     .where(_RECORDS.c.source == Registry.EIRC.value,
                            tuple_(_RECORDS.c.unom, _RECORDS.c.flat).in_(chunk))
                     .order_by(_RECORDS.c.id))
        for row in (await session.execute(statement)).all():  # one fetch, not one a row
            found[(row.unom, row.flat)].append(row)
    return found


# --- the adapter ----------------------------------------------------------------------------


class RegistryTables:
    """EIRC, MVD, PFR and Rosreestr over `registry_records`; ports never raise (a database
    failure is an `unavailable` answer, retried later like an agency outage)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], vault: PiiVault, *,
                 now: Callable[[], datetime] = utcnow) -> None:
        self._sessions = session_factory
        self._vault = vault
        self._now = now

    def __repr__(self) -> str:
        return "RegistryTables()"

    def ports(self) -> Registries:
        """The four ports, one query per check (`for_claims` is the batch path)."""
        return Registries(self, self, self, self)

    def name_digest(self, name_key: str) -> str:
        # the claim's key is already normalised; the registries' keys were made the same way
        return self._vault.digest(NAME_KIND, name_key)

    def birth_digest(self, born: date) -> str:
        return birth_digest(self._vault, born)

    async def lookup_flat(self, unom: int, flat: str, fls: str | None) -> RegistryAnswer:
        try:
            async with self._sessions() as session:
                await reading(session)
                if fls is not None:
                    key = self._vault.digest("fls", fls)
                    rows = (await _by_keys(session, Registry.EIRC, [key])).get(key, [])
                else:
                    rows = (await _by_flats(session, [(unom, flat)])).get((unom, flat), [])
        except (SQLAlchemyError, OSError) as error:
            return self._unavailable(EIRC, error)
        return eirc_answer(rows, unom, flat, fls is not None, self._sealed_person, self._now())

    async def check_passport(self, passport: str, name_key: str, birth_date: date) -> RegistryAnswer:
        rows = await self._one(Registry.MVD, "passport", passport)
        if rows is None:
            return RegistryAnswer.unavailable(MVD, self._now())
        return mvd_answer(rows[0] if rows else None, self.name_digest(name_key), self.birth_digest(birth_date),
                          self._now())

    async def check_snils(self, snils: str, name_key: str, birth_date: date) -> RegistryAnswer:
        rows = await self._one(Registry.PFR, "snils", snils)
        if rows is None:
            return RegistryAnswer.unavailable(PFR, self._now())
        return pfr_answer(rows[0] if rows else None, self.name_digest(name_key), self.birth_digest(birth_date),
                          self._now())

    async def check_property(self, document: str, unom: int, flat: str, name_key: str,
                             birth_date: date) -> RegistryAnswer:
        rows = await self._one(Registry.ROSREESTR, "property_document", document)
        if rows is None:
            return RegistryAnswer.unavailable(ROSREESTR, self._now())
        return rosreestr_answer(rows, unom, flat, self.name_digest(name_key), self.birth_digest(birth_date),
                                self._now())

    async def for_claims(self, claims: Sequence[BallotClaim],
                         digests: Mapping[tuple[str, str], str] | None = None) -> Registries:
        """Ports answering every check of `claims` from records loaded in a few queries;
        `digests`: HMACs of (kind, value) already at hand (the ballots keep them)."""
        snapshot = RegistrySnapshot(self, claims, digests or {})
        try:
            async with self._sessions() as session:
                await reading(session)
                await snapshot.load(session)
        except (SQLAlchemyError, OSError) as error:
            log.error("registry tables cannot be read (%s): the batch waits", type(error).__name__)
            snapshot.failed = True
        return Registries(snapshot, snapshot, snapshot, snapshot)

    async def _one(self, source: Registry, kind: str, value: str) -> list[Row] | None:
        key = self._vault.digest(kind, value)
        try:
            async with self._sessions() as session:
                await reading(session)
                return (await _by_keys(session, source, [key])).get(key, [])
        except (SQLAlchemyError, OSError) as error:
            self._unavailable(source.value, error)
            return None

    def _sealed_person(self, row: Row) -> tuple[str, str]:
        try:
            person = self._vault.open(row.sealed) if row.sealed else {}
        except SealError:
            return "", ""  # sealed under other keys: nobody can be matched to this person
        return str(person.get("name_key", "")), str(person.get("birth_date", ""))

    def _unavailable(self, registry: str, error: Exception) -> RegistryAnswer:
        log.error("registry %s tables cannot be read (%s)", registry, type(error).__name__)
        return RegistryAnswer.unavailable(registry, self._now())


class RegistrySnapshot:
    """The records a batch of claims can touch, answering the four ports from memory.

    Its port methods hand back awaitables: an answer from memory comes `Answered`, already
    done — no task or future for the event loop per check, which at thousands of checks a
    batch is most of their cost — and a check of an identifier the batch did not hold goes
    to the tables, one query.
    """

    def __init__(self, tables: RegistryTables, claims: Sequence[BallotClaim],
                 digests: Mapping[tuple[str, str], str]) -> None:
        self._tables = tables
        self._vault = tables._vault
        self.failed = False
        self.checked_at = tables._now()
        self._keys: dict[tuple[str, str], str] = dict(digests)
        self._names: dict[str, str] = {}  # name digest → the claim's name key
        self._births: dict[str, date] = {}  # birth date digest → the claim's birth date
        self._flats: set[tuple[int, str]] = set()
        for claim in claims:
            self._names[tables.name_digest(claim.full_name_key)] = claim.full_name_key
            self._births[tables.birth_digest(claim.birth_date)] = claim.birth_date
            for kind, value in (("fls", claim.fls), ("passport", claim.passport),
                                ("snils", claim.snils), ("property_document", claim.property_document)):
                if value is not None and (kind, value) not in self._keys:
                    self._keys[(kind, value)] = self._vault.digest(kind, value)
            if claim.fls is None:
                self._flats.add((claim.unom, claim.flat))
        self._digest_of_name = {key: digest for digest, key in self._names.items()}
        self._digest_of_birth = {born: digest for digest, born in self._births.items()}
        self._records: dict[Registry, dict[str, list[Row]]] = {}
        self._flat_rows: dict[tuple[int, str], list[Row]] = {}

    async def load(self, session: AsyncSession) -> None:
        by_kind: dict[str, list[str]] = defaultdict(list)
        for (kind, _), digest in self._keys.items():
            by_kind[kind].append(digest)
        for source in Registry:
            keys = by_kind.get(KEY_KINDS[source])
            self._records[source] = await _by_keys(session, source, keys, _BATCH_COLUMNS) if keys else {}
        self._flat_rows = await _by_flats(session, self._flats, _BATCH_COLUMNS) if self._flats else {}
        self.checked_at = self._tables._now()

    def _person_of(self, row: Row) -> tuple[str, str]:
        # only what a claim of the batch already holds is told; anybody else stays opaque
        born = self._births.get(row.birth_digest)
        return self._names.get(row.name_key) or f"#{row.name_key[:16]}", born.isoformat() if born else ""

    def _rows(self, source: Registry, kind: str, value: str) -> list[Row] | None:
        key = self._keys.get((kind, value))
        return None if key is None else self._records[source].get(key, [])

    def _name_digest(self, name_key: str) -> str:
        return self._digest_of_name.get(name_key) or self._tables.name_digest(name_key)

    def _birth_digest(self, born: date) -> str:
        return self._digest_of_birth.get(born) or self._tables.birth_digest(born)

    _ready = Answered

    def lookup_flat(self, unom: int, flat: str, fls: str | None) -> Awaitable[RegistryAnswer]:
        if self.failed:
            return self._ready(RegistryAnswer.unavailable(EIRC, self.checked_at))
        if fls is not None:
            rows = self._rows(Registry.EIRC, "fls", fls)
        else:
            rows = self._flat_rows.get((unom, flat), []) if (unom, flat) in self._flats else None
        if rows is None:
            return self._tables.lookup_flat(unom, flat, fls)
        return self._ready(eirc_answer(rows, unom, flat, fls is not None, self._person_of, self.checked_at))

    def check_passport(self, passport: str, name_key: str, birth_date: date) -> Awaitable[RegistryAnswer]:
        if self.failed:
            return self._ready(RegistryAnswer.unavailable(MVD, self.checked_at))
        rows = self._rows(Registry.MVD, "passport", passport)
        if rows is None:
            return self._tables.check_passport(passport, name_key, birth_date)
        return self._ready(mvd_answer(rows[0] if rows else None, self._name_digest(name_key),
                                      self._birth_digest(birth_date), self.checked_at))

    def check_snils(self, snils: str, name_key: str, birth_date: date) -> Awaitable[RegistryAnswer]:
        if self.failed:
            return self._ready(RegistryAnswer.unavailable(PFR, self.checked_at))
        rows = self._rows(Registry.PFR, "snils", snils)
        if rows is None:
            return self._tables.check_snils(snils, name_key, birth_date)
        return self._ready(pfr_answer(rows[0] if rows else None, self._name_digest(name_key),
                                      self._birth_digest(birth_date), self.checked_at))

    def check_property(self, document: str, unom: int, flat: str, name_key: str,
                       birth_date: date) -> Awaitable[RegistryAnswer]:
        if self.failed:
            return self._ready(RegistryAnswer.unavailable(ROSREESTR, self.checked_at))
        rows = self._rows(Registry.ROSREESTR, "property_document", document)
        if rows is None:
            return self._tables.check_property(document, unom, flat, name_key, birth_date)
        return self._ready(rosreestr_answer(rows, unom, flat, self._name_digest(name_key),
                                            self._birth_digest(birth_date), self.checked_at))
