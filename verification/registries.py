"""Ports to the four registries a ballot is checked against, as the 2017 vote did.

EIRC (utility payments centre): a flat and its FLS → the payer and the people of the flat.
MVD: a passport → valid or not, and whose. Pension Fund (PFR): a SNILS → whose.
Rosreestr: a property document → the flat and its owners with their shares.

Every registry answers one of four outcomes. `unavailable` means "no answer now" (timeout,
outage, breaker open): it never rejects a ballot, the check is retried. Adapters must not
raise: whatever goes wrong on the wire becomes `unavailable`.
"""
from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol, runtime_checkable

EIRC = "eirc"
MVD = "mvd"
PFR = "pfr"
ROSREESTR = "rosreestr"
REGISTRIES = (EIRC, MVD, PFR, ROSREESTR)

# Roles a person has in a flat according to EIRC.
OWNER = "owner"
TENANT = "tenant"  # social tenancy: the flat belongs to the city, the tenant votes for it
REGISTERED = "registered"  # lives there by registration only: no right to vote for the flat
ROLES = (OWNER, TENANT, REGISTERED)

# Names of fields a registry may report as not matching.
FULL_NAME = "full_name"
BIRTH_DATE = "birth_date"
STATUS = "status"  # passport no longer valid (lost, replaced, expired)
FLAT = "flat"  # the document or account belongs to another flat
FLS = "fls"


class Outcome(str, Enum):
    MATCH = "match"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"  # the registry has no record of the identifier
    UNAVAILABLE = "unavailable"

    @property
    def is_definitive(self) -> bool:
        """The registry has spoken; only `unavailable` leaves the question open."""
        return self is not Outcome.UNAVAILABLE


@dataclass(frozen=True, slots=True)
class RegistryAnswer:
    """One registry's answer to one check.

    `fields` names what did not match (e.g. ("status",) for an invalid passport). `facts` carries
    what the registry told: for EIRC `{"people": [{"name_key", "birth_date" (ISO), "role"}]}`,
    for MVD `{"status": "valid" | "invalid"}`, for Rosreestr `{"share": "1/2"}`. Facts may hold
    personal data of the flat's people: keep them in memory, never log or store them.
    """

    registry: str
    outcome: Outcome
    fields: tuple[str, ...] = ()
    facts: Mapping[str, object] = field(default_factory=dict)
    checked_at: datetime | None = None

    def __repr__(self) -> str:
        # facts may name people of the flat; a repr must not carry them into logs
        return (f"RegistryAnswer({self.registry!r}, {self.outcome.value!r}, "
                f"fields={self.fields!r})")

    @classmethod
    def unavailable(cls, registry: str, checked_at: datetime | None = None) -> RegistryAnswer:
        return cls(registry, Outcome.UNAVAILABLE, checked_at=checked_at)


class Answered:
    """An answer already at hand, awaitable like a port's call: no future, no event-loop turn.

    Batch adapters answering from memory return it; `collect_answers` reads it directly.
    """

    __slots__ = ("answer",)

    def __init__(self, answer: RegistryAnswer) -> None:
        self.answer = answer

    def __await__(self) -> Generator[Any, None, RegistryAnswer]:
        return self.answer
        yield  # never reached: it makes __await__ a generator that finishes at once

    def __repr__(self) -> str:
        return f"Answered({self.answer!r})"


@dataclass(frozen=True, slots=True)
class FlatPerson:
    """A person EIRC lists for a flat."""

    name_key: str
    birth_date: date
    role: str


def flat_people(answer: RegistryAnswer) -> tuple[FlatPerson, ...]:
    """The people of the flat from an EIRC answer; malformed entries are skipped, not trusted."""
    people = answer.facts.get("people", ())
    found = []
    if not isinstance(people, (list, tuple)):
        return ()
    for entry in people:
        if not isinstance(entry, Mapping):
            continue
        try:
            found.append(FlatPerson(str(entry["name_key"]),
                                    date.fromisoformat(str(entry["birth_date"])),
                                    str(entry["role"])))
        except (KeyError, ValueError):
            continue
    return tuple(found)


@runtime_checkable
class EircRegistry(Protocol):
    async def lookup_flat(self, unom: int, flat: str, fls: str | None) -> RegistryAnswer:
        """With an FLS: does it belong to this flat (mismatch ("fls",) if to another; unknown if
        no such account), and who lives there. Without one: the people of the flat
        (unknown if EIRC has no such flat)."""
        ...


@runtime_checkable
class MvdRegistry(Protocol):
    async def check_passport(self, passport: str, name_key: str, birth_date: date) -> RegistryAnswer:
        """Mismatch fields: "status" (not valid), "full_name", "birth_date" (someone else's)."""
        ...


@runtime_checkable
class PfrRegistry(Protocol):
    async def check_snils(self, snils: str, name_key: str, birth_date: date) -> RegistryAnswer:
        """Mismatch fields: "full_name", "birth_date" (the SNILS is someone else's)."""
        ...


@runtime_checkable
class RosreestrRegistry(Protocol):
    async def check_property(self, document: str, unom: int, flat: str, name_key: str,
                             birth_date: date) -> RegistryAnswer:
        """Mismatch fields: "flat" (the document is for another flat), "full_name"/"birth_date"
        (this person is not among its owners). A match carries the owner's "share"."""
        ...
