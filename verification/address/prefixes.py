"""What documents and forms put before the street: postcode, country, city, okrug, district.

"119602, Россия, г. Москва, ЮЗАО, район Тёплый Стан, ул. Профсоюзная, 12к3" names the house
"Профсоюзная 12к3" does; every poll is in Moscow, so those parts only get in the way (a
postcode would be read as a house number, "г." as a town). A settlement ("поселение
Кокошкино", "город Зеленоград") is part of an address and stays.
"""
from __future__ import annotations

import re
from typing import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

_POSTCODE = re.compile(r"(?<![\d/-])\d{6}(?![\d/])")
_COUNTRY = re.compile(r"\b(?:российская\s+федерация|россия|рф)\b")
# Towns inside Moscow: "Москва, г. Зеленоград" keeps its "г.".
_TOWNS = r"(?!\s*(?:зеленоград|щербинк|троицк|московск))"
_CITY = re.compile(
    r"\b(?:г|гор|город|города)\b\.?\s*москв[аы]\b"
    rf"|\bмосква\s*(?:г\b\.?|город\b){_TOWNS}"
    r"|\bмоскв[аы]\b|\bмск\b"
    r"|\bвн\.?\s*тер\.?\s*г\b\.?|\bвнутригородская\s+территория(?:\s+города)?"
    r"(?:\s+федерального\s+значения)?"
)
_OKRUG = re.compile(
    r"\b(?:цао|сао|свао|вао|ювао|юао|юзао|зао|сзао|зелао|тинао|нао|тао)\b"
    r"|\b(?:[а-я]+\s+и\s+)?[а-я]+(?:-[а-я]+)?\s+(?:административный|адм\b\.?)\s*округ\b"
    r"|\b[а-я]+(?:-[а-я]+)?(?:ый|ий|ой)\s+ао\b"
)
_DISTRICT_WORD = re.compile(
    r"\b(?:район|раион|р-о?н|муниципальный\s+округ|мун\b\.?\s*округ|м\.\s*о\b\.?|мо)\b\.?"
)
# Words, not the ending of an ordinal ("5-я").
_WORD = re.compile(r"(?<!\d)(?<!\d-)[а-яa-z]+")
# A district typed in Latin letters comes back a letter or two off ("теплы стан").
DISTRICT_CUTOFF = 0.8
MAX_DISTRICT_WORDS = 3

# Words of these prefixes, so that a Latin spelling of them is read as the word it is.
PREFIX_WORDS = ("москва", "россия", "российская", "федерация", "город", "район", "округ",
                "административный", "муниципальный", "внутригородская", "территория")


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower().replace("ё", "е")))


class Prefixes:
    """Drops the parts of a typed address that come before the street.

    A district named without "район" is only dropped where its name is no street's or
    settlement's (district Кокошкино is also поселение Кокошкино)."""

    def __init__(self, districts: Iterable[str], streets: Iterable[str]) -> None:
        names = {words for words in map(_words, districts) if words}
        street_words = [_words(street) for street in set(streets)]
        self._names = {" ".join(words): words for words in names}
        self._all = frozenset(names)
        self._first_words = frozenset(words[0] for words in names)
        self._bare = frozenset(words for words in names
                               if not any(_contains(street, words) for street in street_words))

    def words(self) -> set[str]:
        """The words of the districts' names."""
        return {word for words in self._names.values() for word in words}

    def readings(self, text: str) -> tuple[str, ...]:
        """The text without its prefixes; where a district's name is a street's too ("Проспект
        Вернадского, ..."), the text both with and without it."""
        text = text.lower().replace("ё", "е")
        for pattern in (_POSTCODE, _COUNTRY, _CITY, _OKRUG):
            text = pattern.sub(" ", text)
        text = self._drop_named_district(text)
        if self._first_words.isdisjoint(_WORD.findall(text)):
            return (text,)  # no district is named, as in most of what people type
        dropped = self._drop_bare_district(text, self._bare)
        if dropped != text:
            return (dropped,)
        ambiguous = self._drop_bare_district(text, self._all)
        return (text,) if ambiguous == text else (text, ambiguous)

    def _drop_named_district(self, text: str) -> str:
        """"район Тёплый Стан", "Басманный р-н", "муниципальный округ Коптево"."""
        while (keyword := _DISTRICT_WORD.search(text)) is not None:
            before, after = text[:keyword.start()], text[keyword.end():]
            words_before = list(_WORD.finditer(before))[-MAX_DISTRICT_WORDS:]
            words_after = list(_WORD.finditer(after))[:MAX_DISTRICT_WORDS]
            # "Басманный район" names the district first; "район, ..." certainly does.
            named_before = self._district_in([w[0] for w in reversed(words_before)], reverse=True)
            if named_before and (after.lstrip().startswith(",") or named_before[1]
                                 or not self._district_in([w[0] for w in words_after])):
                text = before[:words_before[-named_before[0]].start()] + " " + after
                continue
            named_after = self._district_in([w[0] for w in words_after])
            if named_after:
                end = words_after[named_after[0] - 1].end()
            elif "," in after:
                end = after.index(",")  # a district the poll does not know: up to the comma
            else:
                end = words_after[0].end() if words_after else 0
            text = before + " " + after[end:]
        return text

    @staticmethod
    def _drop_bare_district(text: str, names: frozenset[tuple[str, ...]]) -> str:
        """"ЮЗАО, Тёплый Стан, Профсоюзная 12", or the same without commas."""
        parts = text.split(",")
        kept = [part for part in parts if _words(part) not in names]
        if len(kept) < len(parts) and any(_words(part) for part in kept):
            return ",".join(kept)
        words = list(_WORD.finditer(text))
        for length in range(min(MAX_DISTRICT_WORDS, len(words) - 1), 0, -1):
            if tuple(w[0] for w in words[:length]) in names:
                return text[words[length - 1].end():]
        return text

    def _district_in(self, words: list[str], reverse: bool = False) -> tuple[int, bool] | None:
        """How many of `words` (read from the keyword outwards) name a district, and whether
        exactly: an exact name first, the longest; else the closest, the shortest on a tie."""
        names = [" ".join(reversed(words[:n]) if reverse else words[:n])
                 for n in range(1, len(words) + 1)]
        for n in range(len(names), 0, -1):
            if names[n - 1] in self._names:
                return n, True
        best: tuple[float, int] | None = None
        for n, name in enumerate(names, start=1):
            hit = process.extractOne(name, self._names.keys(), scorer=OSA.normalized_similarity,
                                     score_cutoff=DISTRICT_CUTOFF)
            if hit is not None and (best is None or hit[1] > best[0]):
                best = (hit[1], n)
        return (best[1], False) if best else None


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(words[at:at + len(part)] == part for at in range(len(words) - len(part) + 1))
