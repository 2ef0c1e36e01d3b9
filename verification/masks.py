"""What the review screen shows of each answer: identifiers partly hidden, the rest as typed."""
from __future__ import annotations

import re
from datetime import date

from verification.levels import Field
from verification.validators.dates import shown_date

_NOT_DIGIT = re.compile(r"\D")
KEPT_OF_DOCUMENT = 3


def _digits(value: object) -> str:
    return _NOT_DIGIT.sub("", str(value))


def _hidden(value: object) -> str:
    """Every letter and digit starred, separators kept: used when a value has an unexpected shape."""
    return re.sub(r"\w", "*", str(value))


def mask(field: Field, value: object) -> str:
    """Passport '** ** ***482', SNILS '***-***-*** 95', FLS '******7890', document '**-** ***456'."""
    if field is Field.PASSPORT:
        digits = _digits(value)
        return f"** ** ***{digits[-3:]}" if len(digits) == 10 else _hidden(value)
    if field is Field.SNILS:
        digits = _digits(value)
        return f"***-***-*** {digits[-2:]}" if len(digits) == 11 else _hidden(value)
    if field is Field.FLS:
        digits = _digits(value)
        return "*" * (len(digits) - 4) + digits[-4:] if len(digits) == 10 else _hidden(value)
    if field is Field.PROPERTY_DOCUMENT:
        text = str(value)
        head, tail = text[:-KEPT_OF_DOCUMENT], text[-KEPT_OF_DOCUMENT:]
        return _hidden(head) + tail
    if field is Field.BIRTH_DATE and isinstance(value, date):
        return shown_date(value)
    return str(value)
