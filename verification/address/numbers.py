"""House numbers: дом / корпус / строение, and how well a typed number agrees with a house.

People type house numbers as digits and rarely get them wrong, so agreement is exact-first:
the same дом and корпус beat a near miss, and a different дом is no match at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from verification.address.words import Token

# Score of a house when the query gave no house number at all.
NEUTRAL = 0.5
# A range or corner typed as one number ("12-3", "12/3") is often дом 12 корпус 3.
_SPLIT_DISCOUNT = 0.9
_BASE = re.compile(r"^(\d*)(.*)$")


@dataclass(frozen=True, slots=True)
class HouseNumber:
    dom: str | None = None
    korpus: str | None = None
    stroenie: str | None = None

    @property
    def empty(self) -> bool:
        return self.dom is None and self.korpus is None and self.stroenie is None

    @property
    def primary(self) -> str | None:
        """The number a resident types first: дом, or корпус where there is no дом (Зеленоград)."""
        return self.dom if self.dom is not None else self.korpus

    def lifted(self) -> HouseNumber:
        """The same house with корпус read as дом, for addresses that only have a корпус."""
        if self.dom is None and self.korpus is not None:
            return HouseNumber(self.korpus, None, self.stroenie)
        return self

    def text(self) -> str:
        parts = (("дом", self.dom), ("корпус", self.korpus), ("строение", self.stroenie))
        return " ".join(f"{name} {value}" for name, value in parts if value is not None)


def base(value: str | None) -> str:
    """The leading digits of a number: "12" of "12а", "65" of "65/47"."""
    return _BASE.match(value or "")[1]  # type: ignore[index]


def sort_key(number: HouseNumber) -> tuple:
    """Natural order: дом 2 before дом 10, корпус 1 before корпус 2."""
    def key(value: str | None) -> tuple[int, str]:
        digits = base(value)
        return (int(digits) if digits else -1, value or "")
    return key(number.dom) + key(number.korpus) + key(number.stroenie)


@dataclass(frozen=True, slots=True)
class TypedNumbers:
    """Numbers of a query: those after a marker ("к3") and free ones whose role is guessed."""

    marked: tuple[tuple[str, str], ...]
    free: tuple[str, ...]

    @classmethod
    def from_tokens(cls, tokens: Iterable[Token]) -> TypedNumbers:
        marked: list[tuple[str, str]] = []
        free: list[str] = []
        pending: str | None = None
        for token in tokens:
            if token.kind == "marker":
                pending = token.text
            elif token.kind == "number":
                if pending == "flat":
                    pass  # a flat number says nothing about the house
                elif pending is not None:
                    marked.append((pending, token.text))
                else:
                    free.append(token.text)
                pending = None
            else:
                pending = None
        return cls(tuple(marked), tuple(free))

    def house(self, consumed: Iterable[str] = ()) -> HouseNumber:
        """The house number, once numbers that belong to the street name are taken out."""
        free = list(self.free)
        for value in consumed:
            if value in free:
                free.remove(value)
        fields: dict[str, str] = {}
        for name, value in self.marked:
            fields.setdefault(name, value)
        for name in ("dom", "korpus", "stroenie"):
            if name not in fields and free:
                fields[name] = free.pop(0)
        return HouseNumber(fields.get("dom"), fields.get("korpus"), fields.get("stroenie"))


def _part(typed: str, actual: str) -> float:
    if typed == actual:
        return 1.0
    typed_base, actual_base = base(typed), base(actual)
    if typed_base != actual_base:
        return 0.0
    if not typed_base:  # letters only, "корпус А" against "корпус Б"
        return 0.0
    typed_rest, actual_rest = typed[len(typed_base):], actual[len(actual_base):]
    if not typed_rest:
        # "65" for дом 65/47 is how corners are usually typed; "12" for 12А is a near miss.
        return 0.8 if actual_rest[0] in "/-" else 0.6
    if not actual_rest:
        return 0.4
    return 0.3


def _optional(typed: str | None, actual: str | None) -> float:
    if typed is None:
        return 1.0 if actual is None else 0.7
    if actual is None:
        return 0.2
    return _part(typed, actual)


def _agreement(typed: HouseNumber, actual: HouseNumber) -> float:
    if typed.dom is None:
        return NEUTRAL * (0.6 + 0.25 * _optional(typed.korpus, actual.korpus)
                          + 0.15 * _optional(typed.stroenie, actual.stroenie))
    if actual.dom is None:
        return 0.0
    dom = _part(typed.dom, actual.dom)
    if dom == 0.0:
        return 0.0
    return (0.6 * dom + 0.25 * _optional(typed.korpus, actual.korpus)
            + 0.15 * _optional(typed.stroenie, actual.stroenie))


def agreement(typed: HouseNumber, actual: HouseNumber) -> float:
    """0..1: how well the typed number names this house; NEUTRAL when none was typed."""
    if typed.empty:
        return NEUTRAL
    if actual.dom is None:
        actual, typed = actual.lifted(), typed.lifted()
    score = _agreement(typed, actual)
    dom = typed.dom or ""
    if score < 1.0 and typed.korpus is None and ("-" in dom or "/" in dom):
        first, second = re.split(r"[-/]", dom, maxsplit=1)
        split = HouseNumber(first, second, typed.stroenie)
        score = max(score, _SPLIT_DISCOUNT * _agreement(split, actual))
    return score
