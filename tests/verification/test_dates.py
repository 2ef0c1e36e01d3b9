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
        ("07.13.1985", "birth_date.month_first"),
        ("15.13.1985", "birth_date.impossible"),
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


@pytest.mark.parametrize(
    "typed",
    ["6 сентября 1954", "6 сент. 1954", "06 сентября 1954 г.", "6 СЕНТЯБРЯ 1954 года", "6-го сентября 1954",
     "6 сентябрь 1954г", "6 сен 1954", "6 September 1954", "Sep 6, 1954", "6 Sept 1954", "September 6th, 1954",
     "6th of September 1954", "06.09.1954", "6.9.1954", "06/09/1954", "1954-09-06", "06-09-1954", "6 9 1954",
     "06.09.1954 г."],
)
def test_accepts_month_names_and_the_common_forms_of_one_day(typed: str) -> None:
    assert validate_birth_date(typed, today=TODAY) == Accepted(date(1954, 9, 6))


@pytest.mark.parametrize(
    ("typed", "born"),
    [("1 янв 1960", date(1960, 1, 1)), ("2 февр. 1960", date(1960, 2, 2)), ("3 мар 1960", date(1960, 3, 3)),
     ("4 апреля 1960", date(1960, 4, 4)), ("5 мая 1960", date(1960, 5, 5)), ("6 июн. 1960", date(1960, 6, 6)),
     ("7 июля 1960", date(1960, 7, 7)), ("8 авг 1960", date(1960, 8, 8)), ("9 Oct 1960", date(1960, 10, 9)),
     ("10 Nov. 1960", date(1960, 11, 10)), ("Dec 11, 1960", date(1960, 12, 11)), ("May 12 1960", date(1960, 5, 12)),
     ("13 June 1960", date(1960, 6, 13)), ("July 14, 1960", date(1960, 7, 14))],
)
def test_every_month_is_known_by_its_name_or_its_short_form(typed: str, born: date) -> None:
    assert validate_birth_date(typed, today=TODAY) == Accepted(born)


def test_figures_are_read_day_first_as_russia_writes_them() -> None:
    assert validate_birth_date("09/06/1954", today=TODAY) == Accepted(date(1954, 6, 9))


def test_a_month_put_first_is_refused_with_the_day_first_date_it_means() -> None:
    result = validate_birth_date("12/25/1954", today=TODAY)
    assert isinstance(result, Refusal) and result.code == "birth_date.month_first"
    assert "25.12.1954" in result.render() and "07.03.1985" in result.render()


@pytest.mark.parametrize(
    ("typed", "code"),
    [("6 сентября 54", "birth_date.short_year"), ("Sep 6, 54", "birth_date.short_year"),
     ("31 февраля 1980", "birth_date.impossible"), ("31.02.1980", "birth_date.impossible"),
     ("6 ма 1954", "birth_date.month_name"), ("6 брюмера 1954", "birth_date.month_name"),
     ("сентябрь 1954", "birth_date.format"), ("6 сентября", "birth_date.format")],
)
def test_refuses_month_words_it_cannot_read(typed: str, code: str) -> None:
    result = validate_birth_date(typed, today=TODAY)
    assert isinstance(result, Refusal) and result.code == code


def test_every_refusal_of_the_form_gives_the_same_example() -> None:
    for typed in ("", "седьмое марта", "07.03.85", "31.02.1980", "12/25/1954", "6 брюмера 1954", "01.01.2030"):
        result = validate_birth_date(typed, today=TODAY)
        assert isinstance(result, Refusal) and "07.03.1985" in result.render(), typed


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
