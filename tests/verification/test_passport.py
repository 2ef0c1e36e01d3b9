"""Passport series and number: region code, form year, length."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verification.refusal import Accepted, Refusal
from verification.validators import OKATO_REGION_CODES, validate_passport

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    "typed",
    ["45 02 573482", "4502 573482", "4502573482", " 45  02   573482 ", "4502 № 573482", "４５０２５７３４８２"],
)
def test_accepts_spaced_and_compact(typed: str) -> None:
    assert validate_passport(typed, today=TODAY) == Accepted("4502573482")


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("40 97 000001", "4097000001"),  # St Petersburg, first forms of 1997
        ("46 99 123456", "4699123456"),  # Moscow oblast
        ("45 00 123456", "4500123456"),
        ("45 26 123456", "4526123456"),  # next year's forms are already printed
        ("35 14 123456", "3514123456"),  # Crimea
        ("99 10 654321", "9910654321"),
    ],
)
def test_accepts_real_regions_and_years(typed: str, digits: str) -> None:
    assert validate_passport(typed, today=TODAY) == Accepted(digits)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "passport.empty"),
        ("  ", "passport.empty"),
        ("45 02 57348", "passport.length"),
        ("45 02 5734821", "passport.length"),
        ("4502-573482", "passport.characters"),
        ("45 02 57З482", "passport.characters"),  # Cyrillic З for 3
        ("AB 02 573482", "passport.characters"),
        ("00 02 573482", "passport.region"),
        ("02 02 573482", "passport.region"),
        ("72 02 573482", "passport.region"),
        ("45 96 573482", "passport.year"),
        ("45 27 573482", "passport.year"),
        ("45 50 573482", "passport.year"),
        ("45 02 000000", "passport.number"),
    ],
)
def test_refuses_with_reason(typed: str, code: str) -> None:
    result = validate_passport(typed, today=TODAY)
    assert isinstance(result, Refusal)
    assert result.code == code


def test_form_years_move_with_today() -> None:
    assert isinstance(validate_passport("45 27 573482", today=date(2025, 12, 31)), Refusal)
    assert validate_passport("45 27 573482", today=date(2026, 1, 1)) == Accepted("4527573482")


def test_refusals_quote_what_is_wrong() -> None:
    region = validate_passport("02 02 573482", today=TODAY)
    assert isinstance(region, Refusal) and "02" in region.render() and "45" in region.render()
    year = validate_passport("45 96 573482", today=TODAY)
    assert isinstance(year, Refusal) and "96" in year.render() and "26" in year.render()
    short = validate_passport("45 02 5734", today=TODAY)
    assert isinstance(short, Refusal) and "8" in short.render()


def test_region_list_is_the_okato_first_level() -> None:
    assert {"45", "40", "46", "35", "67", "99", "01"} <= OKATO_REGION_CODES
    assert not {"00", "02", "06", "09", "16", "72"} & OKATO_REGION_CODES
    assert all(len(code) == 2 and code.isdigit() for code in OKATO_REGION_CODES)


def _form_years(today: date) -> list[str]:
    return ["97", "98", "99"] + [f"{year:02d}" for year in range(0, (today.year + 1) % 100 + 1)]


@given(
    region=st.sampled_from(sorted(OKATO_REGION_CODES)),
    year=st.sampled_from(_form_years(TODAY)),
    number=st.integers(min_value=1, max_value=999_999),
    layout=st.sampled_from(["{r} {y} {n}", "{r}{y} {n}", "{r}{y}{n}"]),
)
def test_any_real_region_and_year_passes(region: str, year: str, number: int, layout: str) -> None:
    typed = layout.format(r=region, y=year, n=f"{number:06d}")
    assert validate_passport(typed, today=TODAY) == Accepted(f"{region}{year}{number:06d}")


@given(region=st.integers(0, 99), number=st.integers(1, 999_999))
def test_region_outside_okato_is_refused(region: int, number: int) -> None:
    code = f"{region:02d}"
    result = validate_passport(f"{code} 05 {number:06d}", today=TODAY)
    if code in OKATO_REGION_CODES:
        assert isinstance(result, Accepted)
    else:
        assert isinstance(result, Refusal) and result.code == "passport.region"
