"""Streets: an address split into the street it names and the house number on it.

Many houses share a street, so fuzzy matching is done once per distinct street, and only then
are the houses of the best streets ranked by their numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from verification.address.numbers import HouseNumber, TypedNumbers
from verification.address.words import (
    GIVEN_NAMES, HONORIFICS, Token, tokenize, tokenize_registry_part,
)

# A settlement prefix ("поселение Кокошкино") is often left out, so it weighs little.
LOCALITY_WEIGHT = 0.15
HONORIFIC_WEIGHT = 0.5
# How much a typed street type (or its absence) moves a street's score.
TYPE_AGREES = 0.05
TYPE_DISAGREES = -0.08
# Query words explained (precision) matter more than street words typed (recall):
# people drop words far more often than they add wrong ones.
PRECISION_SHARE = 0.6


@dataclass(slots=True)
class Street:
    """A distinct street (with its settlement, if any) and the houses of the poll on it."""

    key: str
    tokens: tuple[str, ...]
    weights: tuple[float, ...]
    numerals: tuple[str, ...]
    types: frozenset[str]
    # Hyphenated names typed as one word ("нарофоминская"): joined form → the two token slots.
    compounds: tuple[tuple[str, int, int], ...] = ()
    total: float = 0.0
    houses: list[int] = field(default_factory=list)
    by_base: dict[str, list[int]] = field(default_factory=dict)
    bases: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.total = sum(self.weights) + len(self.numerals)


@dataclass(frozen=True, slots=True)
class Query:
    """What a resident typed, split into street words and numbers."""

    words: tuple[str, ...]
    types: frozenset[str]
    ordinals: tuple[str, ...]
    numbers: TypedNumbers


@dataclass(frozen=True, slots=True)
class StreetMatch:
    score: float
    consumed: tuple[str, ...]


def street_of(parts: tuple[tuple[Token, ...], ...]) -> Street:
    """The street named by an address's street parts; the last part is the street itself."""
    tokens: list[str] = []
    weights: list[float] = []
    numerals: list[str] = []
    types: set[str] = set()
    compounds: list[tuple[str, int, int]] = []
    for index, part in enumerate(parts):
        is_locality = index < len(parts) - 1
        for position, token in enumerate(part):
            if token.kind == "word":
                if (token.hyphenated and position + 1 < len(part)
                        and part[position + 1].kind == "word"):
                    at = len(tokens)
                    compounds.append((token.text + part[position + 1].text, at, at + 1))
                # A rank or first name before the surname is often left out.
                first = token.text in HONORIFICS or (
                    token.text in GIVEN_NAMES and position + 1 < len(part)
                    and part[position + 1].kind == "word")
                tokens.append(token.text)
                weights.append(LOCALITY_WEIGHT if is_locality else
                               HONORIFIC_WEIGHT if first else 1.0)
            elif token.kind in ("ordinal", "number"):
                numerals.append(token.text)
            elif token.kind == "type":
                types.add(token.types[0])
    key = " ".join(tokens + numerals + sorted(types))
    return Street(key, tuple(tokens), tuple(weights), tuple(numerals), frozenset(types),
                  tuple(compounds))


def split_address(text: str) -> tuple[tuple[tuple[Token, ...], ...], HouseNumber]:
    """Split a registry address ("улица Кубинка, дом 12, корпус 3") into the street's parts
    (settlement first) and the house number.

    Registry addresses separate parts with commas and start the house with дом/корпус/строение
    (or a bare number); anything else is read the way a query is.
    """
    parts = tuple(part for part in map(tokenize_registry_part, text.split(",")) if part)
    house_at = next((i for i, part in enumerate(parts)
                     if part[0].kind == "number"
                     or (part[0].kind == "marker" and part[0].text != "flat")), None)
    if house_at is None or house_at == 0:
        tokens = tokenize(text)
        street = tuple(t for t in tokens if t.kind in ("word", "type", "ordinal"))
        return (street,), TypedNumbers.from_tokens(tokens).house()
    house = TypedNumbers.from_tokens(t for part in parts[house_at:] for t in part).house()
    return parts[:house_at], house


def parse_address(text: str) -> tuple[Street, HouseNumber]:
    parts, house = split_address(text)
    return street_of(parts), house


def parse_query(text: str) -> Query:
    tokens = tokenize(text)
    words = tuple(t.text for t in tokens if t.kind == "word")
    types = frozenset(kind for t in tokens if t.kind == "type" for kind in t.types)
    ordinals = tuple(t.text for t in tokens if t.kind == "ordinal")
    return Query(words, types, ordinals, TypedNumbers.from_tokens(tokens))


def score_street(street: Street, query: Query, word_sims: list[dict[str, float]]) -> StreetMatch:
    """0..1: how well the typed words name this street, with typos and missing words allowed."""
    pairs = [(sim, i, j, j)
             for i, sims in enumerate(word_sims)
             for j, token in enumerate(street.tokens)
             if (sim := sims.get(token))]
    pairs.extend((sim, i, first, second)
                 for i, sims in enumerate(word_sims)
                 for joined, first, second in street.compounds
                 if (sim := sims.get(joined)))
    pairs.sort(reverse=True)
    used_words: set[int] = set()
    used_tokens: set[int] = set()
    explained = covered = 0.0
    for sim, i, first, second in pairs:
        if i in used_words or first in used_tokens or second in used_tokens:
            continue
        used_words.add(i)
        used_tokens.update((first, second))
        explained += sim
        weight = street.weights[first] + (street.weights[second] if second != first else 0.0)
        covered += sim * weight

    ordinals = list(query.ordinals)
    free = list(query.numbers.free)
    consumed: list[str] = []
    agreeing = 0
    for numeral in street.numerals:
        if numeral in ordinals:
            ordinals.remove(numeral)
            agreeing += 1
        elif numeral in free:
            # "3 Парковая" or "улица 1 Мая": the number is part of the street's name.
            free.remove(numeral)
            consumed.append(numeral)
            agreeing += 1
    asked = len(query.words) + len(query.ordinals) + len(consumed)
    if asked == 0 or explained == 0.0:
        return StreetMatch(0.0, ())
    precision = (explained + agreeing) / asked
    recall = (covered + agreeing) / street.total
    score = PRECISION_SHARE * precision + (1 - PRECISION_SHARE) * recall
    if query.types:
        score += TYPE_AGREES if query.types & street.types else TYPE_DISAGREES
    return StreetMatch(max(0.0, min(1.0, score)), tuple(consumed))
