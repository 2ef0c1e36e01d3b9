"""Birth date: typed the way people type dates, checked against today and the voting age.

Figures are read day first, as Russia writes dates: 06.09.1954 and 06/09/1954 are 6 September,
never 9 June (the prompt says so). A month may be a word, Russian or English, in full or
shortened: "6 сентября 1954", "6 сент. 1954 г.", "6 September 1954", "Sep 6, 1954". Refused
with the prompt's example: a two-digit year, a date that does not exist, a month put first
where that leaves no such month (12/25/1954: the day-first date is offered instead), a month
word that is not a month.
"""
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

# a month as a word: "6 сентября 1954", "6-го сент. 1954 г.", "6th of September, 1954"
_WORD = r"([a-zа-яё]+)\.?"
_ORDINAL = r"(?:st|nd|rd|th|-?го|-?е)?"
_NAME_SEPARATOR = r"[\s.,/-]*"
_DAY_MONTH_YEAR = re.compile(
    rf"(\d{{1,2}}){_ORDINAL}{_NAME_SEPARATOR}(?:of\s+)?{_WORD}{_NAME_SEPARATOR}(\d{{1,4}})")
_MONTH_DAY_YEAR = re.compile(rf"{_WORD}{_NAME_SEPARATOR}(\d{{1,2}}){_ORDINAL}[\s.,/-]+(\d{{1,4}})")
_YEAR_WORD = re.compile(r"\s*(?:г\.?|гг\.?|года|год|y\.?)$")

# Every form a month is written in; a word of three letters or more that begins one of them is
# that month ("сент", "Sept", "дек"). No three letters begin the forms of two months.
_MONTH_FORMS: dict[int, tuple[str, ...]] = {
    1: ("января", "январь", "january"),
    2: ("февраля", "февраль", "february"),
    3: ("марта", "март", "march"),
    4: ("апреля", "апрель", "april"),
    5: ("мая", "май", "may"),
    6: ("июня", "июнь", "june"),
    7: ("июля", "июль", "july"),
    8: ("августа", "август", "august"),
    9: ("сентября", "сентябрь", "september"),
    10: ("октября", "октябрь", "october"),
    11: ("ноября", "ноябрь", "november"),
    12: ("декабря", "декабрь", "december"),
}
_SHORTEST_MONTH = 3


def shown_date(day: date) -> str:
    return day.strftime("%d.%m.") + f"{day.year:04d}"


def age_on(today: date, born: date) -> int:
    """Full years lived; someone born on 29 February comes of age on 1 March in a common year."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def month_of(word: str) -> int | None:
    """The month a word names, Russian or English, in full or cut short; None if none."""
    word = word.lower()
    if len(word) < _SHORTEST_MONTH:
        return None
    for month, forms in _MONTH_FORMS.items():
        if any(form.startswith(word) for form in forms):
            return month
    return None


def _short_year() -> Refusal:
    return Refusal(
        "birth_date.short_year",
        N_("Write the year of birth in full, with four digits: 07.03.1985, not 07.03.85."),
    )


def _format() -> Refusal:
    return Refusal(
        "birth_date.format",
        N_("Write the birth date day first, then the month and the year, e.g. 07.03.1985 or 7 March 1985."),
    )


def _with_month_word(text: str) -> tuple[int, int, int] | Refusal | None:
    """Day, month and year from a date whose month is a word; None when no word is in it."""
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        day, word, year = match.groups()
    elif match := _MONTH_DAY_YEAR.fullmatch(text):
        word, day, year = match.groups()
    else:
        return None
    month = month_of(word)
    if month is None:
        return Refusal(
            "birth_date.month_name",
            N_("“{word}” is not a month. Write the month as a word or in figures, "
               "e.g. 7 March 1985 or 07.03.1985."),
            {"word": word},
        )
    if len(year) != 4:
        return _short_year()
    return int(year), month, int(day)


def _parse(text: str) -> tuple[int, int, int] | Refusal:
    text = _YEAR_WORD.sub("", text.lower()).rstrip(". ")  # "6 сентября 1954 г.", "06.09.1954 года"
    if match := _DAY_FIRST.fullmatch(text):
        day, month, year = match.groups()
    elif match := _YEAR_FIRST.fullmatch(text):
        year, month, day = match.groups()
    elif _SHORT_YEAR.fullmatch(text):
        return _short_year()
    elif (named := _with_month_word(text)) is not None:
        return named
    else:
        return _format()
    return int(year), int(month), int(day)


def _impossible(year: int, month: int, day: int) -> Refusal:
    if month > 12 and 1 <= day <= 12:
        try:
            day_first = date(year, day, month)
        except ValueError:
            pass
        else:  # written month first, as in the USA: say how it is read here, with the date meant
            return Refusal(
                "birth_date.month_first",
                N_("There is no month {month}: the day comes first, then the month, e.g. 07.03.1985. "
                   "Did you mean {date}?"),
                {"month": month, "date": shown_date(day_first)},
            )
    return Refusal(
        "birth_date.impossible",
        N_("There is no such date: {typed}. Check the day and the month, e.g. 07.03.1985."),
        {"typed": f"{day:02d}.{month:02d}.{year:04d}"},
    )


def validate_birth_date(text: str, *, today: date, min_age: int = 18) -> Validated[date]:
    """Accepts 07.03.1985, 7.3.1985, 07/03/1985, 07-03-1985, 7 3 1985, 1985-03-07, "7 марта 1985",
    "7 мар. 1985 г.", "7 March 1985", "Mar 7, 1985" for a resident of age (figures day first)."""
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
        return _impossible(year, month, day)
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
