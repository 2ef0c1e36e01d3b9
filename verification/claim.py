"""What a ballot claims about its voter: the data the registries are asked to confirm.

A claim holds raw normalised identifiers (passport, SNILS, FLS, property document) exactly as the
validators accept them. It exists only in memory, after the encrypted blob of a pending ballot
has been decrypted for a check, and is never logged or stored as is (152-FZ).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from verification.levels import Levels
from verification.validators.names import normalise_name_key


@dataclass(frozen=True, slots=True, repr=False)
class BallotClaim:
    """The voter and flat a ballot speaks for; fields beyond the poll's levels stay None.

    `full_name_key` is `normalise_name_key(full name)`: registries compare names in that form,
    so case, ё/е, spaces and hyphens never decide a verdict.
    """

    unom: int
    flat: str
    full_name_key: str
    birth_date: date
    passport: str | None = None
    snils: str | None = None
    fls: str | None = None
    property_document: str | None = None
    levels: Levels = field(default_factory=Levels)

    @classmethod
    def of(cls, *, unom: int, flat: str, full_name: str, birth_date: date, levels: Levels,
           passport: str | None = None, snils: str | None = None, fls: str | None = None,
           property_document: str | None = None) -> BallotClaim:
        """A claim from validated answers; the full name is keyed here, once."""
        return cls(unom, flat, normalise_name_key(full_name), birth_date, passport, snils, fls,
                   property_document, levels)

    def __repr__(self) -> str:
        # the identifiers must not reach logs or tracebacks through a repr
        return f"BallotClaim(unom={self.unom}, levels={self.levels})"
