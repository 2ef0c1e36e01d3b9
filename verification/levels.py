"""Verification levels a poll requires, as in the 2017 renovation vote.

Identity: 1 full name + birth date, 2 + passport, 3 + SNILS.
Apartment: 1 FLS (utility payer number), 2 + property-rights document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Field(str, Enum):
    """A piece of data a resident may be asked for, in the order the dialogue asks."""

    FLAT = "flat"
    FULL_NAME = "full_name"
    BIRTH_DATE = "birth_date"
    PASSPORT = "passport"
    SNILS = "snils"
    FLS = "fls"
    PROPERTY_DOCUMENT = "property_document"


#: What identifies a person or a flat in a registry: kept only as keyed digests, for matching.
IDENTIFIERS = (Field.PASSPORT, Field.SNILS, Field.FLS, Field.PROPERTY_DOCUMENT)

_IDENTITY_FIELDS = {1: (Field.FULL_NAME, Field.BIRTH_DATE), 2: (Field.PASSPORT,), 3: (Field.SNILS,)}
_APARTMENT_FIELDS = {1: (Field.FLS,), 2: (Field.PROPERTY_DOCUMENT,)}
_TEXT = re.compile(r"^\s*identity\s*[=:]\s*([1-3])\s*,\s*apartment\s*[=:]\s*([0-2])\s*$", re.I)


@dataclass(frozen=True, slots=True)
class Levels:
    identity: int = 3
    apartment: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.identity <= 3:
            raise ValueError("identity level must be 1, 2 or 3")
        if not 0 <= self.apartment <= 2:
            raise ValueError("apartment level must be 0, 1 or 2")

    @classmethod
    def parse(cls, text: str) -> Levels:
        """Reads 'identity=3,apartment=2' (or the short form '3/2')."""
        short = re.fullmatch(r"\s*([1-3])\s*/\s*([0-2])\s*", text)
        match = short or _TEXT.match(text)
        if not match:
            raise ValueError("levels look like 'identity=3,apartment=2' or '3/2'")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"identity={self.identity},apartment={self.apartment}"

    @property
    def fields(self) -> tuple[Field, ...]:
        """The fields to ask for, flat first, in dialogue order."""
        wanted = [Field.FLAT]
        for level in range(1, self.identity + 1):
            wanted.extend(_IDENTITY_FIELDS[level])
        for level in range(1, self.apartment + 1):
            wanted.extend(_APARTMENT_FIELDS[level])
        return tuple(wanted)
