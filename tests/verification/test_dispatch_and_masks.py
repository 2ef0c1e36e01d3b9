"""One entry point for every dialogue step, and what the review screen shows."""
from __future__ import annotations

from datetime import date

import pytest

from verification.levels import Field
from verification.masks import mask
from verification.refusal import Accepted, Refusal
from verification.validators import FullName, PropertyDocument, validate

TODAY = date(2025, 6, 1)

GOOD = {
    Field.FLAT: ("кв. 12а", "12А", "12А"),
    Field.FULL_NAME: ("иванов иван", FullName("Иванов", "Иван"), "Иванов Иван"),
    Field.BIRTH_DATE: ("7.3.1985", date(1985, 3, 7), "07.03.1985"),
    Field.PASSPORT: ("45 02 573482", "4502573482", "** ** ***482"),
    Field.SNILS: ("112-233-445 95", "11223344595", "***-***-*** 95"),
    Field.FLS: ("1234567890", "1234567890", "******7890"),
    Field.PROPERTY_DOCUMENT: (
        "77АБ123456", PropertyDocument("certificate", "77-АБ 123456"), "**-** ***456"
    ),
}


def test_every_field_has_a_validator() -> None:
    assert set(GOOD) == set(Field)


@pytest.mark.parametrize("field", list(Field))
def test_dispatch_accepts_and_masks(field: Field) -> None:
    typed, value, shown = GOOD[field]
    result = validate(field, typed, today=TODAY)
    assert result == Accepted(value)
    assert mask(field, result.value) == shown


@pytest.mark.parametrize("field", list(Field))
def test_dispatch_refuses_with_the_field_code(field: Field) -> None:
    result = validate(field, "", today=TODAY)
    assert isinstance(result, Refusal)
    assert result.code.split(".")[0] == field.value


def test_dispatch_passes_min_age_and_today() -> None:
    assert isinstance(validate(Field.BIRTH_DATE, "01.01.2008", today=TODAY, min_age=18), Refusal)
    assert isinstance(validate(Field.BIRTH_DATE, "01.01.2008", today=TODAY, min_age=16), Accepted)
    assert isinstance(validate(Field.PASSPORT, "45 27 573482", today=date(2026, 1, 1)), Accepted)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (PropertyDocument("cadastral", "77:01:0001013:4915"), "**:**:*******:*915"),
        (PropertyDocument("registration_record", "77-77-05/001/2007-695"), "**-**-**/***/****-695"),
    ],
)
def test_property_document_keeps_its_last_three_characters(value: PropertyDocument, shown: str) -> None:
    assert mask(Field.PROPERTY_DOCUMENT, value) == shown


@pytest.mark.parametrize("field", [Field.PASSPORT, Field.SNILS, Field.FLS])
def test_unexpected_shape_is_hidden_entirely(field: Field) -> None:
    assert mask(field, "12345") == "*****"


def test_masks_never_reveal_the_hidden_digits() -> None:
    assert "4502573" not in mask(Field.PASSPORT, "4502573482")
    assert "112233445" not in mask(Field.SNILS, "11223344595").replace("-", "")
    assert "123456" not in mask(Field.FLS, "1234567890")
