"""Flat number, FLS and property-rights document."""
from __future__ import annotations

import pytest

from verification.refusal import Accepted, Refusal
from verification.validators import (
    PropertyDocument,
    validate_flat_number,
    validate_fls,
    validate_property_document,
)


@pytest.mark.parametrize(
    ("typed", "flat"),
    [
        ("12", "12"), ("12а", "12А"), ("12 а", "12А"), ("12-б", "12Б"), ("кв. 12", "12"),
        ("кв.12", "12"), ("Кв 7", "7"), ("квартира 12", "12"), ("КВАРТИРА 105А", "105А"),
        ("№ 7", "7"), ("кв. № 44", "44"), ("007", "7"), ("1024", "1024"), ("  3  ", "3"),
    ],
)
def test_flat_accepted(typed: str, flat: str) -> None:
    assert validate_flat_number(typed) == Accepted(flat)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "flat.empty"), ("0", "flat.zero"), ("кв. 000", "flat.zero"), ("abc", "flat.format"),
        ("квартира", "flat.format"), ("12аб", "flat.format"), ("12/3", "flat.format"),
        ("-5", "flat.format"), ("12345", "flat.too_long"), ("12a", "flat.letter"),
    ],
)
def test_flat_refused(typed: str, code: str) -> None:
    result = validate_flat_number(typed)
    assert isinstance(result, Refusal) and result.code == code


@pytest.mark.parametrize("typed", ["1234567890", "12345 67890", " 1234 567 890 "])
def test_fls_accepted(typed: str) -> None:
    assert validate_fls(typed) == Accepted("1234567890")


@pytest.mark.parametrize(
    ("typed", "code"),
    [("", "fls.empty"), ("123456789", "fls.length"), ("12345678901", "fls.length"),
     ("12345-67890", "fls.characters"), ("ФЛС 1234567890", "fls.characters")],
)
def test_fls_refused(typed: str, code: str) -> None:
    result = validate_fls(typed)
    assert isinstance(result, Refusal) and result.code == code


@pytest.mark.parametrize(
    ("typed", "kind", "value"),
    [
        ("77:01:0001013:4915", "cadastral", "77:01:0001013:4915"),
        (" 77 : 01 : 0001013 : 4915 ", "cadastral", "77:01:0001013:4915"),
        ("50:21:123456:7", "cadastral", "50:21:123456:7"),
        ("77-77-05/001/2007-695", "registration_record", "77-77-05/001/2007-695"),
        ("77-77-05 / 001 / 2007 - 695", "registration_record", "77-77-05/001/2007-695"),
        ("50-50-62/012/1998-1", "registration_record", "50-50-62/012/1998-1"),
        ("77-77-11/123/2016-12345", "registration_record", "77-77-11/123/2016-12345"),
        ("77-АБ 123456", "certificate", "77-АБ 123456"),
        ("77 АБ 123456", "certificate", "77-АБ 123456"),
        ("77АБ123456", "certificate", "77-АБ 123456"),
        ("77-аб 123456", "certificate", "77-АБ 123456"),
        ("77 НВ № 004512", "certificate", "77-НВ 004512"),
    ],
)
def test_property_document_accepted(typed: str, kind: str, value: str) -> None:
    result = validate_property_document(typed)
    assert result == Accepted(PropertyDocument(kind, value))  # type: ignore[arg-type]
    assert str(result.value) == value


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "property_document.empty"),
        ("77:01:00010:4915", "property_document.cadastral"),
        ("77:01:0001013", "property_document.cadastral"),
        ("77:01:0001013:", "property_document.cadastral"),
        ("77-77-05/01/2007-695", "property_document.record"),
        ("77-77-05/001/2007", "property_document.record"),
        ("77-77-05/001/1997-695", "property_document.record_year"),
        ("77-77-05/001/2017-695", "property_document.record_year"),
        ("77-AB 123456", "property_document.latin"),
        ("77-АБ 12345", "property_document.certificate"),
        ("77-АБВ 123456", "property_document.certificate"),
        ("7-АБ 123456", "property_document.certificate"),
        ("1234567890", "property_document.format"),
        ("свидетельство", "property_document.format"),
    ],
)
def test_property_document_refused(typed: str, code: str) -> None:
    result = validate_property_document(typed)
    assert isinstance(result, Refusal) and result.code == code


def test_record_year_refusal_names_the_years() -> None:
    result = validate_property_document("77-77-05/001/2019-695")
    assert isinstance(result, Refusal)
    assert all(year in result.render() for year in ("1998", "2016", "2019"))
