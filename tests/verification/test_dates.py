"""Birth date: formats people type, impossible dates, and the voting age."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verification.refusal import Accepted, Refusal
from verification.validators import validate_birth_date

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    "typed",
    ["07.03.1985", "7.3.1985", "07/03/1985", "07-03-1985", "1985-03-07", "  07.03.1985  ",
     "07. 03. 1985", "7 3 1985", "０７.０３.１９８５", "07—03—1985"],
)
def test_accepts_common_ways_of_writing_a_date(typed: str) -> None:
    assert validate_birth_date(typed, today=TODAY) == Accepted(date(1985, 3, 7))


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "birth_date.empty"),
        ("седьмое марта", "birth_date.format"),
        ("07.03", "birth_date.format"),
        ("07031985", "birth_date.format"),
        ("1985", "birth_date.format"),
        ("07.03.85", "birth_date.short_year"),
        ("31.02.2000", "birth_date.impossible"),
        ("29.02.2001", "birth_date.impossible"),
        ("07.13.1985", "birth_date.impossible"),
        ("00.03.1985", "birth_date.impossible"),
        ("02.06.2025", "birth_date.future"),
        ("01.01.2030", "birth_date.future"),
        ("31.12.1899", "birth_date.too_early"),
        ("02.06.2007", "birth_date.too_young"),
        ("01.01.2020", "birth_date.too_young"),
        ("01.06.2025", "birth_date.too_young"),
    ],
)
def test_refuses_with_reason(typed: str, code: str) -> None:
    result = validate_birth_date(typed, today=TODAY)
    assert isinstance(result, Refusal)
    assert result.code == code


def test_birthday_today_counts() -> None:
    assert validate_birth_date("01.06.2007", today=TODAY) == Accepted(date(2007, 6, 1))
    assert isinstance(validate_birth_date("02.06.2007", today=TODAY), Refusal)


def test_first_of_1900_is_the_earliest_date() -> None:
    assert validate_birth_date("01.01.1900", today=TODAY) == Accepted(date(1900, 1, 1))


def test_born_on_29_february_comes_of_age_on_1_march_of_a_common_year() -> None:
    assert isinstance(validate_birth_date("29.02.2008", today=date(2026, 2, 28)), Refusal)
    assert validate_birth_date("29.02.2008", today=date(2026, 3, 1)) == Accepted(date(2008, 2, 29))
    twentieth = validate_birth_date("29.02.2008", today=date(2028, 2, 29), min_age=20)
    assert twentieth == Accepted(date(2008, 2, 29))


def test_too_young_names_the_minimum_age() -> None:
    result = validate_birth_date("01.01.2010", today=TODAY, min_age=16)
    assert isinstance(result, Refusal)
    assert "16" in result.render()
    assert validate_birth_date("01.01.2009", today=TODAY, min_age=16) == Accepted(date(2009, 1, 1))


def test_impossible_date_is_quoted_back() -> None:
    result = validate_birth_date("31.2.2000", today=TODAY)
    assert isinstance(result, Refusal) and "31.02.2000" in result.render()


def anniversary(born: date, year: int) -> date:
    """Where the birthday falls in a given year; 29 February moves to 1 March in a common year."""
    try:
        return born.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


def full_years(born: date, today: date) -> int:
    years = 0
    while anniversary(born, born.year + years + 1) <= today:
        years += 1
    return years


@given(
    born=st.dates(min_value=date(1850, 1, 1), max_value=date(2100, 12, 31)),
    today=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    min_age=st.integers(min_value=0, max_value=30),
    layout=st.sampled_from(["%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]),
)
def test_agrees_with_counting_birthdays(born: date, today: date, min_age: int, layout: str) -> None:
    typed = born.strftime(layout)
    result = validate_birth_date(typed, today=today, min_age=min_age)
    if born > today:
        expected = "birth_date.future"
    elif born.year < 1900:
        expected = "birth_date.too_early"
    elif full_years(born, today) < min_age:
        expected = "birth_date.too_young"
    else:
        assert result == Accepted(born)
        return
    assert isinstance(result, Refusal) and result.code == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY - timedelta(days=365 * 19)))
def test_adult_dates_in_every_format_give_the_same_day(born: date) -> None:
    short = f"{born.day}.{born.month}.{born.year}"
    for typed in (born.strftime("%d.%m.%Y"), short, born.isoformat(), born.strftime("%d/%m/%Y")):
        assert validate_birth_date(typed, today=TODAY) == Accepted(born)
