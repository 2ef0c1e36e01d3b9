"""Address search over the houses of one poll, built once and queried as residents type."""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from verification.address.layout import from_english_keys, to_english_keys
from verification.address.numbers import HouseNumber, agreement, base, sort_key
from verification.address.prefixes import PREFIX_WORDS, Prefixes
from verification.address.streets import (
    Query, Street, parse_query, score_street, split_address, street_of,
)
from verification.address.translit import from_latin, has_latin
from verification.address.words import known_words, ordinal_words, type_words, types_of

# A typed word is compared with every distinct street word; below this it is no match.
WORD_CUTOFF = 0.5
# A typed beginning of a word ("Волгоград" for Волгоградский) counts as a close match.
PREFIX_SIMILARITY = 0.85
PREFIX_MIN_LENGTH = 4
# A misspelt type word ("улциа") is recognised when it is this close to a type.
TYPE_CUTOFF = 0.75
ORDINAL_CUTOFF = 0.7
# Streets ranked within this margin of the best one still get their houses compared; the
# margin widens as the best street's own score drops.
STREET_MARGIN = 0.1
STREET_MARGIN_SLOPE = 0.75
MAX_STREETS = 8
# Street agreement outweighs house-number agreement; numbers decide among close streets.
STREET_SHARE = 0.7
# Below these a match is not shown: junk must not look like an answer. With the shares above,
# MIN_SCORE shows a house whose number was not typed only on a near-certain street (≥ 0.86).
MIN_STREET_SCORE = 0.65
MIN_SCORE = 60.0
# Russian letters that find nothing this good may be Latin typed with the Russian layout on
# ("гд. лгиштлф" is "ul. kubinka"); only then is that reading tried, so typos cost nothing more.
LAYOUT_FALLBACK_BELOW = 80.0
# A reading of Latin letters that finds a house this well is not second-guessed by the other.
CONFIDENT = 90.0
# A district's name that is a street's or settlement's too ("Щербинка, Садовая 5") is only
# taken for the district if the address reads this much better without it.
DISTRICT_MARGIN = 5.0


@dataclass(frozen=True, slots=True)
class HouseEntry:
    house_id: int
    address: str
    district: str


@dataclass(frozen=True, slots=True)
class AddressMatch:
    house_id: int
    address: str
    district: str
    score: float


@dataclass(frozen=True, slots=True)
class _House:
    entry: HouseEntry
    number: HouseNumber
    order: tuple


class AddressIndex:
    """Typo-tolerant search over a fixed set of houses (one poll's)."""

    def __init__(self, streets: list[Street], houses: list[_House],
                 prefixes: Prefixes | None = None) -> None:
        self._streets = streets
        self._houses = houses
        self._entries = {house.entry.house_id: house.entry for house in houses}
        streets_of: dict[str, list[int]] = {}
        for number, street in enumerate(streets):
            for token in set(street.tokens) | {joined for joined, _, _ in street.compounds}:
                streets_of.setdefault(token, []).append(number)
        self._streets_of = streets_of
        self._vocabulary = sorted(streets_of)
        self._types = type_words()
        self._ordinals = ordinal_words()
        self._prefixes = prefixes or Prefixes((), ())
        # What a Latin word may be read as: a street's word, or a word of addresses in general.
        self._known = sorted({*self._vocabulary, *known_words(), *PREFIX_WORDS,
                              *self._prefixes.words()})
        self._known_set = frozenset(self._known)

    @classmethod
    def build(cls, entries: Iterable[HouseEntry]) -> AddressIndex:
        streets: dict[str, Street] = {}
        street_by_parts: dict[tuple, Street] = {}  # many houses share one street's spelling
        houses: list[_House] = []
        seen: set[int] = set()
        districts: set[str] = set()
        street_texts: list[str] = []
        for entry in entries:
            if entry.house_id in seen:
                raise ValueError(f"house {entry.house_id} is listed twice")
            seen.add(entry.house_id)
            districts.add(entry.district)
            parts, number = split_address(entry.address)
            street = street_by_parts.get(parts)
            if street is None:
                street_texts.append(entry.address)
                parsed = street_of(parts)
                street = street_by_parts[parts] = streets.setdefault(parsed.key, parsed)
            street.houses.append(len(houses))
            houses.append(_House(entry, number, sort_key(number)))
        for street in streets.values():
            street.houses.sort(key=lambda h: houses[h].order)
            for h in street.houses:
                street.by_base.setdefault(base(houses[h].number.primary), []).append(h)
            street.bases = sorted({int(b) for b in street.by_base if b})
        return cls(list(streets.values()), houses, Prefixes(districts, street_texts))

    def __len__(self) -> int:
        return len(self._houses)

    def __contains__(self, house_id: object) -> bool:
        return house_id in self._entries

    def house(self, house_id: int) -> HouseEntry | None:
        """The house with this id, if it is one of the index's."""
        return self._entries.get(house_id)

    def search(self, query: str, limit: int = 5) -> list[AddressMatch]:
        """The best `limit` houses for what a resident typed, best first; [] if none is plausible.

        Accepted: the street and house in any order and case, with or without the street type
        (full or abbreviated: "ул.", "пр-т", "б-р"), е for ё, one or two typos in the street's
        words, a rank or first name left out ("Рокоссовского", "ул. Абакумова"), numbers
        joined or apart ("д12к3", "12 к. 3", "д.12 корп.3", "77с3", "12/3" for дом 12 корпус 3,
        "43" for дом 43/70), a flat number (ignored); whatever a document puts first (postcode,
        "Россия"/"РФ", "г. Москва"/"Москва"/"Moscow", okrug "ЮЗАО", district "район Тёплый
        Стан"); Latin letters in GOST 7.79, ISO 9, passport (ICAO 2013) or informal spelling
        ("ul. Kubinka 12 k3"); the keyboard left in the other layout either way ("ekbwf
        Kj,fxtdcrjuj" for улица Лобачевского, "гд. лгиштлф" for ul. kubinka).

        Scores run 0-100: 100 is the street and every typed number exactly; a street matched
        through typos or missing words, or a house number only partly typed, scores less."""
        if limit <= 0:
            return []
        if has_latin(query):
            # The keyboard reading is the cheaper one (no spelling to choose), so it goes first.
            found = self._search_text(from_english_keys(query), limit)
            if found and found[0].score >= CONFIDENT:
                return found
            return _best((found, self._search_text(from_latin(query, self._spelling), limit)))
        found = self._search_text(query, limit)
        if found and found[0].score >= LAYOUT_FALLBACK_BELOW:
            return found
        latin = from_latin(to_english_keys(query), self._spelling)
        return _best((found, self._search_text(latin, limit)))

    def _search_text(self, text: str, limit: int) -> list[AddressMatch]:
        as_typed, *without_district = self._prefixes.readings(text)
        found = self._search_street(as_typed, limit)
        for reading in without_district:
            other = self._search_street(reading, limit)
            if other and (not found or other[0].score > found[0].score + DISTRICT_MARGIN):
                found = other
        return found

    def _search_street(self, text: str, limit: int) -> list[AddressMatch]:
        parsed, word_sims = self._match_words(parse_query(text))
        if not parsed.words:
            return []  # numbers alone ("12") name no street
        candidates: set[int] = set()
        for sims in word_sims:
            for token in sims:
                candidates.update(self._streets_of[token])
        ranked = sorted(((score_street(self._streets[s], parsed, word_sims), s)
                         for s in candidates),
                        key=lambda pair: (-pair[0].score, self._streets[pair[1]].key))
        if not ranked or ranked[0][0].score < MIN_STREET_SCORE:
            return []
        # An exact street leaves little room for others; a typo-ridden one leaves more.
        best = ranked[0][0].score
        floor = max(MIN_STREET_SCORE, best - STREET_MARGIN - STREET_MARGIN_SLOPE * (1 - best))
        scored: list[tuple[float, tuple, _House]] = []
        for rank, (match, s) in enumerate(ranked[:MAX_STREETS]):
            if match.score < floor:
                break
            number = parsed.numbers.house(match.consumed)
            for h in self._houses_near(self._streets[s], number, limit):
                house = self._houses[h]
                score = 100 * (STREET_SHARE * match.score
                               + (1 - STREET_SHARE) * agreement(number, house.number))
                scored.append((score, (rank, house.order), house))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [AddressMatch(h.entry.house_id, h.entry.address, h.entry.district, round(score, 1))
                for score, _, h in scored[:limit] if score >= MIN_SCORE]

    def _spelling(self, readings: tuple[str, ...]) -> str:
        """The reading of a Latin word closest to a word addresses use; the likeliest on a tie."""
        best, best_similarity = readings[0], 0.0
        if len(readings) > 1:
            exact = next((reading for reading in readings if reading in self._known_set), None)
            if exact is not None:
                return exact
            for reading in readings:
                hit = process.extractOne(reading, self._known, scorer=OSA.normalized_similarity,
                                         score_cutoff=best_similarity + 1e-9)
                if hit is not None:
                    best, best_similarity = reading, hit[1]
        return best

    def _match_words(self, query: Query) -> tuple[Query, list[dict[str, float]]]:
        """Each typed word's close street words; misspelt type and ordinal words ("улциа",
        "вторя") are recognised as what they are rather than as unknown street words."""
        words: list[str] = []
        types = set(query.types)
        ordinals = list(query.ordinals)
        word_sims: list[dict[str, float]] = []
        for word in query.words:
            sims = {token: sim for token, sim, _ in process.extract(
                word, self._vocabulary, scorer=OSA.normalized_similarity,
                score_cutoff=WORD_CUTOFF, limit=None)}
            if len(word) >= PREFIX_MIN_LENGTH:
                at = bisect.bisect_left(self._vocabulary, word)
                while at < len(self._vocabulary) and self._vocabulary[at].startswith(word):
                    token = self._vocabulary[at]
                    sims[token] = max(sims.get(token, 0.0), PREFIX_SIMILARITY)
                    at += 1
            best = max(sims.values(), default=0.0)
            if best < 1.0:
                typed = process.extractOne(word, self._types, scorer=OSA.normalized_similarity,
                                           score_cutoff=max(TYPE_CUTOFF, best + 1e-9))
                if typed is not None:
                    types.update(types_of(typed[0]))
                    continue
                ordinal = process.extractOne(word, self._ordinals.keys(),
                                             scorer=OSA.normalized_similarity,
                                             score_cutoff=max(ORDINAL_CUTOFF, best + 1e-9))
                if ordinal is not None:
                    ordinals.append(self._ordinals[ordinal[0]])
                    continue
            words.append(word)
            word_sims.append(sims)
        cleaned = Query(tuple(words), frozenset(types), tuple(ordinals), query.numbers)
        return cleaned, word_sims

    def _houses_near(self, street: Street, number: HouseNumber, limit: int) -> list[int]:
        """Houses on the street with the typed number, else the nearest numbers, else the first."""
        if number.empty:
            return street.houses[:limit]
        typed = base(number.primary)
        found = street.by_base.get(typed, [])
        if found or not typed or not street.bases:
            return found or street.houses[:limit]
        at = bisect.bisect_left(street.bases, int(typed))
        near = sorted(street.bases[max(0, at - 2):at + 2], key=lambda b: abs(b - int(typed)))
        return [h for b in near for h in street.by_base[str(b)]][:limit]


def _best(results: Iterable[list[AddressMatch]]) -> list[AddressMatch]:
    """The results of the reading whose best match is best; the earlier reading on a tie."""
    best: list[AddressMatch] = []
    for found in results:
        if found and (not best or found[0].score > best[0].score):
            best = found
    return best
