"""Birth date: typed the way people type dates, checked against today and the voting age."""
from __future__ import annotations

import re
from datetime import date

from verification.refusal import N_, Accepted, Refusal, Validated
from verification.validators.input_text import tidy

EARLIEST_YEAR = 1900
_SEPARATOR = r"(?:\s*[./-]\s*|\s+)"
_DAY_FIRST = re.compile(rf"(\d{{1,2}}){_SEPARATOR}(\d{{1,2}}){_SEPARATOR}(\d{{4}})")
_YEAR_FIRST = re.compile(rf"(\d{{4}}){_SEPARATOR}(\d{{1,2}}){_SEPARATOR}(\d{{1,2}})")
_SHORT_YEAR = re.compile(rf"\d{{1,2}}{_SEPARATOR}\d{{1,2}}{_SEPARATOR}\d{{2}}")


def shown_date(day: date) -> str:
    return day.strftime("%d.%m.") + f"{day.year:04d}"


def age_on(today: date, born: date) -> int:
    """Full years lived; someone born on 29 February comes of age on 1 March in a common year."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _parse(text: str) -> tuple[int, int, int] | Refusal:
    if match := _DAY_FIRST.fullmatch(text):
        day, month, year = match.groups()
    elif match := _YEAR_FIRST.fullmatch(text):
        year, month, day = match.groups()
    elif _SHORT_YEAR.fullmatch(text):
        return Refusal(
            "birth_date.short_year",
            N_("Write the year of birth in full, with four digits: 07.03.1985, not 07.03.85."),
        )
    else:
        return Refusal(
            "birth_date.format",
            N_("Write the birth date as day.month.year, e.g. 07.03.1985."),
        )
    return int(year), int(month), int(day)


def validate_birth_date(text: str, *, today: date, min_age: int = 18) -> Validated[date]:
    """Accepts 07.03.1985, 7.3.1985, 07/03/1985, 07-03-1985 and 1985-03-07 for a resident of age."""
    tidied = tidy(text)
    if not tidied:
        return Refusal("birth_date.empty", N_("Write your birth date, e.g. 07.03.1985."))
    parsed = _parse(tidied)
    if isinstance(parsed, Refusal):
        return parsed
    year, month, day = parsed
    try:
        born = date(year, month, day)
    except ValueError:
        return Refusal(
            "birth_date.impossible",
            N_("There is no such date: {typed}. Check the day and the month, e.g. 07.03.1985."),
            {"typed": f"{day:02d}.{month:02d}.{year:04d}"},
        )
    if born > today:
        return Refusal(
            "birth_date.future",
            N_("The birth date {date} is in the future. Check the year, e.g. 07.03.1985."),
            {"date": shown_date(born)},
        )
    if born.year < EARLIEST_YEAR:
        return Refusal(
            "birth_date.too_early",
            N_("The birth date {date} is before {earliest}. Check the year, e.g. 07.03.1985."),
            {"date": shown_date(born), "earliest": EARLIEST_YEAR},
        )
    if age_on(today, born) < min_age:
        return Refusal(
            "birth_date.too_young",
            N_("The minimum age to vote is {min_age}. By the birth date {date} you have not "
               "reached it yet; if the date is wrong, correct it."),
            {"min_age": min_age, "date": shown_date(born)},
        )
    return Accepted(born)
