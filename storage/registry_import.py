"""Loading registry extracts (EIRC, MVD, Pension Fund, Rosreestr) into `registry_records`.

Each registry comes as a UTF-8 CSV with a header row, dates written dd.mm.yyyy:

    eirc.csv       unom, flat, fls, full_name, birth_date, role (owner|tenant|registered)
    mvd.csv        passport, full_name, birth_date, status (valid|invalid)
    pfr.csv        snils, full_name, birth_date
    rosreestr.csv  document, unom, flat, owner_full_name, owner_birth_date, share (1, 1/2, ...)

An extract is personal data, stored as ballots are: the identifier a registry is searched by
becomes a keyed HMAC of its normalised form (the same `PiiVault` kinds as ballots use), a name
becomes the HMAC of its `normalise_name_key` form, and EIRC, which must tell who lives in a
flat, keeps each name and birth date sealed as well. A birth date is kept only as the HMAC of
its ISO form (`BIRTH_KIND`), never in clear. A bad row is reported with its line and skipped; an
import replaces everything that registry had, in the caller's transaction. Messages about bad
rows never repeat an identifier or a name.

Registries imported before revision 0006 have no birth date digests (their clear dates were
dropped): the checks against them wait until each registry is imported again.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.csv_file import csv_rows
from storage.models import Registry, RegistryRecord
from storage.pii import PiiVault
from storage.types import utcnow
from verification.refusal import Refusal
from verification.registries import ROLES
from verification.validators import (
    normalise_name_key, validate_flat_number, validate_fls, validate_full_name, validate_passport,
    validate_property_document, validate_snils,
)

#: The digest kind of a normalised full name (identifiers use their own kinds, as ballots do).
NAME_KIND = "name"
#: The digest kind of a birth date, written ISO 8601 (1980-05-17).
BIRTH_KIND = "birth_date"
#: The digest kind each registry is searched by, as `BallotRepository.cast` stores them.
KEY_KINDS = {Registry.EIRC: "fls", Registry.MVD: "passport", Registry.PFR: "snils",
             Registry.ROSREESTR: "property_document"}
COLUMNS: dict[Registry, tuple[str, ...]] = {
    Registry.EIRC: ("unom", "flat", "fls", "full_name", "birth_date", "role"),
    Registry.MVD: ("passport", "full_name", "birth_date", "status"),
    Registry.PFR: ("snils", "full_name", "birth_date"),
    Registry.ROSREESTR: ("document", "unom", "flat", "owner_full_name", "owner_birth_date", "share"),
}
PASSPORT_STATUSES = ("valid", "invalid")
CHUNK = 5000

LineError = tuple[int, str]


class RegistryFileError(ValueError):
    """The extract as a whole cannot be used; the registry is left as it was."""


@dataclass
class RegistryImport:
    registry: str
    imported: int = 0
    replaced: int = 0  # records the registry had before
    #: (line number in the file, what is wrong), in file order.
    errors: list[LineError] = field(default_factory=list)


async def import_registry(session: AsyncSession, registry: str, path: str | Path, vault: PiiVault,
                          *, today: date | None = None) -> RegistryImport:
    """Replaces `registry`'s records with the good rows of the extract at `path`.

    Raises RegistryFileError (and changes nothing) when the file cannot be read, lacks a
    column, or has no good row at all: an empty extract must not wipe a registry. The caller
    owns the transaction and commits.
    """
    source = _registry(registry)
    records, errors = read_registry(source, path, vault, today=today or date.today())
    if not records:
        raise RegistryFileError(f"{path}: no row could be imported ({len(errors)} bad); "
                                f"the {source.value} registry is left as it was")
    replaced = await session.scalar(
        select(func.count()).select_from(RegistryRecord).where(RegistryRecord.source == source.value))
    await session.execute(delete(RegistryRecord).where(RegistryRecord.source == source.value))
    for start in range(0, len(records), CHUNK):
        await session.execute(insert(RegistryRecord), records[start:start + CHUNK])
    return RegistryImport(source.value, len(records), int(replaced or 0), errors)


def birth_digest(vault: PiiVault, born: date) -> str:
    return vault.digest(BIRTH_KIND, born.isoformat())


async def registry_is_empty(session: AsyncSession, registry: str) -> bool:
    """Whether `registry` has no usable records (e.g. the sandbox loads its demo extracts once):
    none at all, or only rows from before birth dates were digested, which must be imported again."""
    source = _registry(registry)
    found = await session.scalar(
        select(RegistryRecord.id).where(RegistryRecord.source == source.value,
                                        RegistryRecord.birth_digest.is_not(None)).limit(1))
    return found is None


def read_registry(source: Registry, path: str | Path, vault: PiiVault, *,
                  today: date) -> tuple[list[dict[str, Any]], list[LineError]]:
    """The records made from the good rows of an extract, and the errors of the bad ones."""
    parse = _PARSERS[source]
    at = utcnow()
    records: list[dict[str, Any]] = []
    errors: list[LineError] = []
    seen: dict[str, tuple[int, tuple[object, ...]]] = {}
    for line_no, row in csv_rows(path, COLUMNS[source], RegistryFileError):
        try:
            if isinstance(row, str):
                raise ValueError(row)
            key, record, owner = parse(row, vault, today)
        except ValueError as error:
            errors.append((line_no, str(error)))
            continue
        problem = _repeat_problem(source, seen.get(key), owner)
        if problem:
            errors.append((line_no, problem))
            continue
        seen.setdefault(key, (line_no, owner))
        records.append({"source": source.value, "key_hmac": key, "updated_at": at, **record})
    return records, errors


def _registry(name: str) -> Registry:
    try:
        return Registry(name.strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in Registry)
        raise RegistryFileError(f"unknown registry {name!r}; expected one of {known}") from None


def _repeat_problem(source: Registry, first: tuple[int, tuple[object, ...]] | None,
                    owner: tuple[object, ...]) -> str | None:
    """Why a row whose identifier an earlier row already has cannot be taken, if it cannot."""
    if first is None:
        return None
    line, first_owner = first
    what = KEY_KINDS[source].replace("_", " ")
    if source in (Registry.MVD, Registry.PFR):
        return f"this {what} is already on line {line}; row skipped"
    if first_owner[:2] != owner[:2]:
        return (f"this {what} belongs to flat {first_owner[1]} of house {first_owner[0]} on "
                f"line {line}; row skipped")
    return None


# --- one row of each registry ---------------------------------------------------------------


def _eirc(row: dict[str, str], vault: PiiVault, today: date):
    unom, flat = _unom(row["unom"]), _accepted("flat", validate_flat_number(row["flat"]))
    fls = _accepted("fls", validate_fls(row["fls"]))
    name_key, born = _person(row["full_name"], row["birth_date"], "full_name", "birth_date")
    role = row["role"].strip().lower()
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {row['role']!r}")
    record = {"unom": unom, "flat": flat, "name_key": vault.digest(NAME_KIND, name_key),
              "birth_digest": birth_digest(vault, born), "role": role,
              "sealed": vault.seal({"name_key": name_key, "birth_date": born.isoformat()}),
              "key_version": vault.key_version}
    return vault.digest("fls", fls), record, (unom, flat)


def _mvd(row: dict[str, str], vault: PiiVault, today: date):
    passport = _accepted("passport", validate_passport(row["passport"], today=today))
    name_key, born = _person(row["full_name"], row["birth_date"], "full_name", "birth_date")
    status = row["status"].strip().lower()
    if status not in PASSPORT_STATUSES:
        raise ValueError(f"status must be valid or invalid, not {row['status']!r}")
    record = {"name_key": vault.digest(NAME_KIND, name_key), "birth_digest": birth_digest(vault, born),
              "status": status}
    return vault.digest("passport", passport), record, ()


def _pfr(row: dict[str, str], vault: PiiVault, today: date):
    snils = _accepted("snils", validate_snils(row["snils"]))
    name_key, born = _person(row["full_name"], row["birth_date"], "full_name", "birth_date")
    record = {"name_key": vault.digest(NAME_KIND, name_key), "birth_digest": birth_digest(vault, born)}
    return vault.digest("snils", snils), record, ()


def _rosreestr(row: dict[str, str], vault: PiiVault, today: date):
    document = str(_accepted("document", validate_property_document(row["document"])))
    unom, flat = _unom(row["unom"]), _accepted("flat", validate_flat_number(row["flat"]))
    name_key, born = _person(row["owner_full_name"], row["owner_birth_date"],
                             "owner_full_name", "owner_birth_date")
    numerator, denominator = _share(row["share"])
    record = {"unom": unom, "flat": flat, "name_key": vault.digest(NAME_KIND, name_key),
              "birth_digest": birth_digest(vault, born), "share_numerator": numerator,
              "share_denominator": denominator}
    return vault.digest("property_document", document), record, (unom, flat)


Parser = Callable[[dict[str, str], PiiVault, date], tuple[str, dict[str, Any], tuple[object, ...]]]
_PARSERS: dict[Registry, Parser] = {Registry.EIRC: _eirc, Registry.MVD: _mvd, Registry.PFR: _pfr,
                                    Registry.ROSREESTR: _rosreestr}


def _accepted(column: str, result: object) -> Any:
    if isinstance(result, Refusal):
        raise ValueError(f"{column}: {result.render()}")
    return result.value  # type: ignore[attr-defined]


def _person(name: str, born: str, name_column: str, born_column: str) -> tuple[str, date]:
    full_name = _accepted(name_column, validate_full_name(name))
    return normalise_name_key(str(full_name)), _date(born, born_column)


def _date(text: str, column: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%d.%m.%Y").date()
    except ValueError:
        raise ValueError(f"{column} must be a date written dd.mm.yyyy, e.g. 17.05.1960") from None


def _unom(text: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"unom must be a whole number, not {text!r}")
    return int(text)


def _share(text: str) -> tuple[int, int]:
    """'1' or '1/2' → (numerator, denominator), a share of the flat between 0 and 1."""
    numerator, _, denominator = text.strip().partition("/")
    denominator = denominator or "1"
    if not all(part.strip().isascii() and part.strip().isdigit() for part in (numerator, denominator)):
        raise ValueError(f"share must look like 1 or 1/2, not {text!r}")
    top, bottom = int(numerator), int(denominator)
    if not 0 < top <= bottom:
        raise ValueError(f"share must be a part of the flat between 0 and 1, like 1/2, not {text!r}")
    return top, bottom
