"""How typed text is tidied before any rule is applied: the same for every field."""
from __future__ import annotations

import re
import unicodedata

# Phones and word processors turn "-" into these; a resident means a plain hyphen.
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH_TABLE = str.maketrans({dash: "-" for dash in DASHES})
_SPACES = re.compile(r"\s+")


def tidy(text: str) -> str:
    """Full-width digits and decomposed й/ё folded, dashes unified, spaces collapsed."""
    # NFKC would spell the number sign "№" as "No"; it is kept as residents typed it.
    pieces = (unicodedata.normalize("NFKC", piece) for piece in text.split("№"))
    folded = "№".join(pieces).translate(_DASH_TABLE)
    return _SPACES.sub(" ", folded).strip()


def shown(char: str) -> str:
    """A character as it can be quoted back to the resident, even if it is invisible."""
    return char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"


def first_not_allowed(text: str, allowed: str) -> str | None:
    """The first character of `text` outside `allowed`, or None when all are allowed."""
    for char in text:
        if char not in allowed:
            return char
    return None


ASCII_DIGITS = "0123456789"
