"""The words of a house's result, for the bot's /results answer and for the results notice alike.

Message ids (N_) of the dialogue catalogue; the notice sender translates them with the same
merged catalogues. Kept apart from the results services so that the notice sender does not
load the charts (matplotlib) to say them.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from babel.numbers import format_decimal

from counting.houses import Decision, Why
from verification.refusal import N_

DECISIONS = {
    Decision.INCLUDED: N_("✅ included in the programme"),
    Decision.EXCLUDED: N_("❌ not included in the programme"),
    Decision.NO_DECISION: N_("➖ no decision"),
}
#: why the count could not decide a house
UNDECIDED = {
    Why.FLATS_UNKNOWN: N_("The number of flats in the house is not known, so the count cannot decide."),
    Why.MORE_VOTED_THAN_FLATS: N_("More flats voted than the house is known to have, so the count "
                                  "cannot decide until the number of flats is corrected."),
    Why.NO_VOTES: N_("No flat was counted for or against, so there is nothing to decide by."),
}
BY_THRESHOLD = (Decision.INCLUDED, Decision.EXCLUDED)


def decision_text(decision: str) -> str:
    """The catalogue's message id for a stored decision (translate it with the reader's gettext)."""
    return DECISIONS[Decision(decision)]


def number(value: Fraction | float, language: str, *, places: int = 2) -> str:
    """A number as the reader writes it: "88,89" in Russian, "88.89" in English."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return format_decimal(value, format="#,##0." + "#" * places, locale=language)


def numbers_apart(left: Fraction, right: Fraction, language: str) -> tuple[str, str]:
    """Both numbers with as many decimals as it takes for unequal ones not to look equal."""
    for places in (2, 4, 6):
        shown = number(left, language, places=places), number(right, language, places=places)
        if shown[0] != shown[1] or left == right:
            return shown
    return shown
