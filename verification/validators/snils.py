"""SNILS, the individual insurance account number: 9 digits and a 2-digit control number."""
from __future__ import annotations

from verification.refusal import N_, Accepted, Refusal, Validated
from verification.validators.input_text import ASCII_DIGITS, first_not_allowed, shown, tidy

# The Pension Fund checks the control number only above this number.
LAST_UNCHECKED = 1_001_998


def snils_control_number(first_nine: str) -> str:
    """The two control digits for the first nine: weights 9..1, then modulo 101 (100 and 101 → 00)."""
    if len(first_nine) != 9 or first_not_allowed(first_nine, ASCII_DIGITS) is not None:
        raise ValueError("the first part of a SNILS is nine digits")
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(9, 0, -1)))
    if total < 100:
        return f"{total:02d}"
    if total in (100, 101):
        return "00"
    return f"{total % 101 % 100:02d}"


def format_snils(digits: str) -> str:
    """'11223344595' → '112-233-445 95', as printed on the SNILS card."""
    if len(digits) != 11 or first_not_allowed(digits, ASCII_DIGITS) is not None:
        raise ValueError("a SNILS is eleven digits")
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


def validate_snils(text: str) -> Validated[str]:
    """Accepts '112-233-445 95' or '11223344595'; the value is the 11 digits."""
    compact = tidy(text).replace(" ", "").replace("-", "")
    if not compact:
        return Refusal("snils.empty", N_("Write your SNILS number, e.g. 112-233-445 95."))
    symbol = first_not_allowed(compact, ASCII_DIGITS)
    if symbol is not None:
        return Refusal(
            "snils.characters",
            N_("A SNILS consists of digits only (dashes and a space are allowed); "
               "remove «{symbol}». Example: 112-233-445 95."),
            {"symbol": shown(symbol)},
        )
    if len(compact) != 11:
        return Refusal(
            "snils.length",
            N_("A SNILS has 11 digits: 9 digits of the number and 2 control digits, "
               "e.g. 112-233-445 95. Digits entered: {count}."),
            {"count": len(compact)},
        )
    if len(set(compact)) == 1:
        return Refusal(
            "snils.repeated",
            N_("A SNILS cannot consist of one digit repeated. "
               "Copy the number from your SNILS card, e.g. 112-233-445 95."),
        )
    first_nine, control = compact[:9], compact[9:]
    if int(first_nine) > LAST_UNCHECKED and snils_control_number(first_nine) != control:
        return Refusal(
            "snils.checksum",
            N_("This SNILS does not add up: its last two digits are a control number computed "
               "from the first nine, and they do not match. One of the digits is probably "
               "mistyped; check each against your SNILS card."),
        )
    return Accepted(compact)
