"""Validators of everything a resident types, one per field, and one entry point for the dialogue.

Each returns Accepted(normalised value) or a Refusal whose English message id names what is
wrong and what a right value looks like; the catalogue `validation.po` translates it.
"""
from __future__ import annotations

from datetime import date

from verification.levels import Field
from verification.refusal import Validated
from verification.validators.apartment import (
    PropertyDocument,
    validate_flat_number,
    validate_fls,
    validate_property_document,
)
from verification.validators.dates import age_on, validate_birth_date
from verification.validators.names import FullName, normalise_name_key, validate_full_name
from verification.validators.okato import OKATO_REGION_CODES, OKATO_REGIONS
from verification.validators.passport import validate_passport
from verification.validators.snils import format_snils, snils_control_number, validate_snils

__all__ = [
    "OKATO_REGIONS",
    "OKATO_REGION_CODES",
    "FullName",
    "PropertyDocument",
    "age_on",
    "format_snils",
    "normalise_name_key",
    "snils_control_number",
    "validate",
    "validate_birth_date",
    "validate_flat_number",
    "validate_fls",
    "validate_full_name",
    "validate_passport",
    "validate_property_document",
    "validate_snils",
]


def validate(field: Field, text: str, *, today: date, min_age: int = 18) -> Validated[object]:
    """Validates the answer to any step of the dialogue by the field it asks for."""
    if field is Field.FULL_NAME:
        return validate_full_name(text)
    if field is Field.BIRTH_DATE:
        return validate_birth_date(text, today=today, min_age=min_age)
    if field is Field.PASSPORT:
        return validate_passport(text, today=today)
    if field is Field.SNILS:
        return validate_snils(text)
    if field is Field.FLS:
        return validate_fls(text)
    if field is Field.PROPERTY_DOCUMENT:
        return validate_property_document(text)
    if field is Field.FLAT:
        return validate_flat_number(text)
    raise ValueError(f"no validator for field {field!r}")
