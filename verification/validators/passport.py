"""Passport of a citizen of Russia: a series of 4 digits (region + form year) and a number of 6."""
from __future__ import annotations

from datetime import date

from verification.refusal import N_, Accepted, Refusal, Validated
from verification.validators.input_text import ASCII_DIGITS, first_not_allowed, shown, tidy
from verification.validators.okato import OKATO_REGION_CODES

FIRST_FORM_YEAR = 1997  # the current passport form was introduced in 1997


def plausible_form_years(today: date) -> frozenset[str]:
    """Digits 3–4 of the series: the year the form was printed, 1997 up to next year's stock."""
    return frozenset(f"{year % 100:02d}" for year in range(FIRST_FORM_YEAR, today.year + 2))


def validate_passport(text: str, *, today: date) -> Validated[str]:
    """Accepts '45 02 573482', '4502 573482' or '4502573482'; the value is the 10 digits."""
    # "№" is printed before the number in the passport and often copied along with it.
    compact = tidy(text.replace("№", " ")).replace(" ", "")
    if not compact:
        return Refusal(
            "passport.empty",
            N_("Write the series and number of your passport, e.g. 45 02 573482."),
        )
    symbol = first_not_allowed(compact, ASCII_DIGITS)
    if symbol is not None:
        return Refusal(
            "passport.characters",
            N_("The passport series and number consist of digits only; remove «{symbol}». "
               "Example: 45 02 573482."),
            {"symbol": shown(symbol)},
        )
    if len(compact) != 10:
        return Refusal(
            "passport.length",
            N_("The passport number must have 10 digits: series (4) and number (6), "
               "e.g. 45 02 573482. Digits entered: {count}."),
            {"count": len(compact)},
        )
    region, year, number = compact[:2], compact[2:4], compact[4:]
    if region not in OKATO_REGION_CODES:
        return Refusal(
            "passport.region",
            N_("The series cannot start with {region}: its first two digits are the code of the "
               "region where the passport was issued, e.g. 45 for Moscow. Check the series."),
            {"region": region},
        )
    if year not in plausible_form_years(today):
        last = f"{(today.year + 1) % 100:02d}"
        return Refusal(
            "passport.year",
            N_("Digits 3–4 of the series ({year}) are the year the passport form was printed: "
               "97, 98, 99 or 00 to {last}. Check the series."),
            {"year": year, "last": last},
        )
    if number == "000000":
        return Refusal(
            "passport.number",
            N_("The passport number (the last 6 digits) cannot be 000000. "
               "Check it against your passport."),
        )
    return Accepted(compact)
