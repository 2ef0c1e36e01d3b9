"""A house's published numbers as its page shows them, and its formula with the numbers filled in:
effective for (counted for + the silent flats' share) > threshold × all its flats → the decision.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from services.exports import PublishedHouse
from web.language import Texts
from web.words import DECISIONS

COUNTED = ("over_threshold", "not_over_threshold")


@dataclass(frozen=True, slots=True)
class Formula:
    text: str  # "30 + 45 = 75 > 2/3 × 100 = 66,67 → included in the programme"
    decision: str  # what the numbers decide: included or excluded
    exact: str | None  # the two sides as fractions, when rounding makes them look alike


def fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def formula(house: PublishedHouse, threshold: Fraction, texts: Texts) -> Formula | None:
    """The count's formula; None when the count decided nothing (no votes, flats unknown, ...)."""
    counted = house.why in COUNTED or (house.why == "protocol" and house.count_decision in ("included", "excluded"))
    base = Fraction(house.base)
    if not counted or not base:
        return None
    effective_for, needed = Fraction(house.effective_for), threshold * base
    over = effective_for > needed
    decision = "included" if over else "excluded"
    shown_for, shown_needed = texts.number(effective_for), texts.number(needed)
    text = (f"{texts.number(house.for_flats)} + {texts.number(effective_for - house.for_flats)} = {shown_for} "
            f"{'>' if over else '≤'} {fraction_text(threshold)} × {texts.number(base)} = {shown_needed} "
            f"→ {texts(DECISIONS[decision])}")
    exact = None
    if shown_for == shown_needed:
        exact = f"{fraction_text(effective_for)} {'>' if over else '≤'} {fraction_text(needed)}"
    return Formula(text, decision, exact)


def house_numbers(house: PublishedHouse, texts: Texts) -> list[tuple[str, str]]:
    """(what, how many) for each number of the house's count, in the reader's language."""
    effective_for, effective_against = Fraction(house.effective_for), Fraction(house.effective_against)
    flats = texts.number(house.flats_total) if house.flats_total is not None else texts("number not known")
    return [
        (texts("Flats in the house"), flats),
        (texts("Flats counted for"), texts.number(house.for_flats)),
        (texts("Flats counted against"), texts.number(house.against_flats)),
        (texts("Flats whose owners split equally"), texts.number(house.undecided_flats)),
        (texts("Silent flats (no counted ballot)"), texts.number(house.silent_flats)),
        (texts("Silent flats' share added to for"), texts.number(effective_for - house.for_flats)),
        (texts("Silent flats' share added to against"), texts.number(effective_against - house.against_flats)),
        (texts("For, with the silent share"), f"{texts.number(effective_for)} ({texts.percent(house.for_pct)})"),
        (texts("Against, with the silent share"),
         f"{texts.number(effective_against)} ({texts.percent(house.against_pct)})"),
        (texts("All its flats, as the rules count them"), texts.number(Fraction(house.base))),
    ]
