"""The reader's language, and the words, numbers and dates of a page in it.

Russian unless the reader asks for English: `?lang=en`, or an Accept-Language that ranks English
above Russian. Texts are the web catalogue's (message ids are the English texts).
"""
from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import get_decimal_symbol, get_group_symbol

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, pick_language, translator

MOSCOW = ZoneInfo("Europe/Moscow")  # the votes are Moscow's: their times are read in Moscow time


def language_of(chosen: str | None, accept_language: str) -> tuple[str, bool]:
    """(the page's language, whether the reader chose it in the address)."""
    if chosen in LANGUAGES:
        return chosen, True
    return preferred(accept_language), False


def preferred(accept_language: str) -> str:
    """The supported language the header ranks highest ("en-GB,en;q=0.9,ru;q=0.5" → en)."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for part in accept_language.split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        language = pick_language(tag.strip(), default="")
        if language and q > best_q:
            best, best_q = language, q
    return best


class Texts:
    """`texts("Houses: {n}", n=5)` gives the text in the page's language with its values filled in."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._gettext = translator(language)
        self._symbols = str.maketrans({",": get_group_symbol(language), ".": get_decimal_symbol(language)})

    def __call__(self, text: str, **values: object) -> str:
        translated = self._gettext(text)
        return translated.format(**values) if values else translated

    def number(self, value: float | Fraction | int | None, digits: int = 2) -> str:
        """A number as the language writes it, at most `digits` decimals ("12 345,68" in Russian).

        By hand rather than by babel's format_decimal, which takes tens of microseconds a number:
        a results page writes a hundred of them."""
        if value is None:
            return "—"
        if isinstance(value, int):
            text = f"{value:,}"
        else:
            text = f"{float(value):,.{digits}f}"
            if "." in text:
                text = text.rstrip("0").rstrip(".")
        return text.translate(self._symbols)

    def percent(self, value: float | None) -> str:
        return "—" if value is None else f"{self.number(value, 1)} %"

    def moment(self, value: datetime) -> str:
        return format_datetime(value, "d MMMM y, HH:mm", tzinfo=MOSCOW, locale=self.language)

    def day(self, value: date) -> str:
        return format_date(value, "d MMMM y", locale=self.language)


@lru_cache(maxsize=len(LANGUAGES))
def texts(language: str) -> Texts:
    return Texts(language)
