"""The houses of the 2017 renovation poll, synthetic houses on the same streets, and queries
written the way residents type them (abbreviations, no street type, lower case, е for ё, no
commas, "12к3", and one or two typos in the street words). The other ways of writing, without
typos, are in bench.ways.

The query writer reads addresses with its own simple rules, not with the search's parser, so the
benchmark does not grade the search against itself. House numbers never get typos: people type
them as digits. A street type or settlement is only left out when the rest still names one street
(without the type, "Измайловский 5" could be the бульвар or the проезд).
"""
from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.demo import HOUSES_CSV
from verification.address import HouseEntry


# Full type word → how people abbreviate it (the full word is one of the choices too).
_TYPE_FORMS = {
    "улица": ("улица", "ул", "ул."), "проспект": ("проспект", "пр-т", "просп.", "пр."),
    "проезд": ("проезд", "пр-д", "пр."), "шоссе": ("шоссе", "ш.", "ш"),
    "бульвар": ("бульвар", "б-р", "бульв."), "переулок": ("переулок", "пер.", "пер"),
    "набережная": ("набережная", "наб.", "наб"), "площадь": ("площадь", "пл."),
    "тупик": ("тупик", "туп."), "аллея": ("аллея", "ал."), "линия": ("линия", "лин."),
    "квартал": ("квартал", "кв-л"), "город": ("город", "г.", "г"),
    "поселение": ("поселение", "пос.", "п."), "посёлок": ("посёлок", "поселок", "пос.", "п."),
    "дачный": ("дачный",),
}
_NOT_NAMES = set(_TYPE_FORMS) | {"№"}
_KEYBOARD = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")
_LETTERS = "абвгдежзийклмнопрстуфхцчшщыьэюя"


@dataclass(frozen=True, slots=True)
class TypedQuery:
    text: str
    house_id: int


def read_houses(path: Path = HOUSES_CSV) -> list[HouseEntry]:
    with path.open(encoding="utf-8", newline="") as file:
        return [HouseEntry(int(row["unom"]), row["address"], row["district"])
                for row in csv.DictReader(file)]


def _split(address: str) -> tuple[list[str], list[str]]:
    parts = [part.strip() for part in address.split(",")]
    at = next(i for i, part in enumerate(parts)
              if part.split()[0] in ("дом", "корпус", "строение"))
    return parts[:at], parts[at:]


def synthetic_houses(real: list[HouseEntry], count: int, seed: int = 2017) -> list[HouseEntry]:
    """`count` more houses on the real streets, with other дом/корпус/строение numbers."""
    rng = random.Random(seed)
    taken = {house.address for house in real}
    houses: list[HouseEntry] = []
    while len(houses) < count:
        model = rng.choice(real)
        street, house = _split(model.address)
        if house[0].startswith("корпус"):  # Зеленоград numbers buildings, not plots
            parts = [f"корпус {rng.randint(100, 2099)}"]
        else:
            dom = str(rng.randint(1, 220))
            if rng.random() < 0.06:
                dom += rng.choice("АБВГ")
            elif rng.random() < 0.05:
                dom += f"/{rng.randint(1, 60)}"
            parts = [f"дом {dom}"]
            if rng.random() < 0.55:
                parts.append(f"корпус {rng.randint(1, 9)}")
            if rng.random() < 0.04:
                parts.append(f"строение {rng.randint(1, 5)}")
        address = ", ".join(street + parts)
        if address not in taken:
            taken.add(address)
            houses.append(HouseEntry(1_000_000 + len(houses), address, model.district))
    return houses


def _typo(word: str, rng: random.Random) -> str:
    letters = list(word)
    at = rng.randrange(len(letters))
    kind = rng.choice(("substitution", "deletion", "insertion", "transposition"))
    if kind == "transposition" and len(letters) > 1:
        at = min(at, len(letters) - 2)
        letters[at], letters[at + 1] = letters[at + 1], letters[at]
    elif kind == "deletion" and len(letters) > 3:
        del letters[at]
    elif kind == "insertion":
        letters.insert(at, _near(letters[at], rng))
    else:
        letters[at] = _near(letters[at], rng)
    result = "".join(letters)
    return result if result.lower() != word.lower() else _typo(word, rng)


def _near(letter: str, rng: random.Random) -> str:
    """A neighbouring key on the Russian keyboard, sometimes any letter."""
    lower = letter.lower()
    for row in _KEYBOARD:
        if lower in row and rng.random() < 0.7:
            at = row.index(lower)
            choices = [row[i] for i in (at - 1, at + 1) if 0 <= i < len(row)]
            return rng.choice(choices)
    return rng.choice(_LETTERS)


def _with_typos(words: list[str], rng: random.Random) -> list[str]:
    """One or two typos in the street's name words (those of four letters or more)."""
    candidates = [i for i, w in enumerate(words)
                  if w.replace("-", "").isalpha() and len(w) >= 4 and w.lower() not in _NOT_NAMES]
    if not candidates:
        return words
    original, words = words, list(words)
    typos = rng.choice((1, 2))
    first = rng.choice(candidates)
    words[first] = _typo(words[first], rng)
    if typos == 2:
        others = [i for i in candidates if i != first]
        if len(words[first]) >= 7 or not others:
            if len(words[first]) >= 6:
                words[first] = _typo(words[first], rng)
        else:
            second = rng.choice(others)
            words[second] = _typo(words[second], rng)
    # Two typos can undo each other ("ab" → "ba" → "ab"); a query without a typo is not one.
    return words if words != original else _with_typos(original, rng)


def _core(street_part: str) -> str:
    return " ".join(w for w in street_part.lower().replace("ё", "е").split()
                    if w not in _NOT_NAMES)


def _house_text(parts: list[str], rng: random.Random) -> str:
    values = {part.split()[0]: part.split()[1] for part in parts}
    dom, korpus, building = values.get("дом"), values.get("корпус"), values.get("строение")
    if dom and rng.random() < 0.4:
        dom = dom.lower()
    if dom and len(dom) > 1 and dom[-1].isalpha() and rng.random() < 0.2:
        dom = f"{dom[:-1]} {dom[-1]}"
    if dom is None:  # Зеленоград: "корпус 1810"
        return rng.choice(("корпус {}", "к. {}", "корп {}", "{}", "к{}")).format(korpus)
    style = rng.choice(("full", "short", "compact", "bare", "bare"))
    text = {"full": f"дом {dom}", "short": f"д. {dom}", "compact": f"д{dom}",
            "bare": dom}[style]
    if korpus:
        glue = {"full": ", корпус ", "short": " к. ", "compact": "к",
                "bare": rng.choice(("к", " к", " к", " корп ", " к. "))}[style]
        text += glue + korpus
    if building:
        glue = {"full": ", строение ", "short": " стр. ", "compact": "с",
                "bare": rng.choice((" стр ", "с", " с. "))}[style]
        text += glue + building
    return text


def _streets_by_core(houses: list[HouseEntry]) -> dict[str, set[str]]:
    streets_by_core: dict[str, set[str]] = defaultdict(set)
    for house in houses:
        street, _ = _split(house.address)
        streets_by_core[_core(street[-1])].add(", ".join(street))
    return streets_by_core


def _street_text(street: list[str], unique: bool, rng: random.Random, typos: bool = True) -> str:
    """The street as a resident writes it: settlement kept or not, types abbreviated."""
    words: list[str] = []
    if len(street) > 1 and not (unique and rng.random() < 0.5):
        for part in street[:-1]:
            words += [_abbreviate(w, rng) for w in part.split()]
    words += _street_words(street[-1].split(), unique, rng, typos)
    return " ".join(words)


def _casual(text: str, rng: random.Random) -> str:
    if rng.random() < 0.7:
        text = text.replace("ё", "е").replace("Ё", "Е")
    if rng.random() < 0.5:
        text = text.lower()
    if rng.random() < 0.5:
        text = text.replace(",", "")
    return text


def typo_queries(houses: list[HouseEntry], count: int, seed: int = 17) -> list[TypedQuery]:
    """`count` queries for random houses of `houses`, each with one or two street typos."""
    rng = random.Random(seed)
    streets_by_core = _streets_by_core(houses)
    queries = []
    for house in rng.sample(houses, count):
        street, numbers = _split(house.address)
        unique = len(streets_by_core[_core(street[-1])]) == 1
        text = (_street_text(street, unique, rng) + (", " if rng.random() < 0.3 else " ")
                + _house_text(numbers, rng))
        queries.append(TypedQuery(_casual(text, rng), house.house_id))
    return queries


def _abbreviate(word: str, rng: random.Random) -> str:
    forms = _TYPE_FORMS.get(word.lower())
    return rng.choice(forms) if forms else word.replace('"', "")


def _street_words(words: list[str], unique: bool, rng: random.Random,
                  typos: bool = True) -> list[str]:
    names = [w for w in words if w.lower() not in _TYPE_FORMS and w != "№"]
    types = [w for w in words if w.lower() in _TYPE_FORMS]
    names = [_ordinal(w, rng) for w in (_with_typos(names, rng) if typos else names)]
    if types and unique and rng.random() < 0.4:
        return names
    typed = [_abbreviate(w, rng) for w in types]
    if words[0] in types:  # keep the resident's habit: type first or last
        return typed + names if rng.random() < 0.7 else names + typed
    return names + typed if rng.random() < 0.7 else typed + names


def _ordinal(word: str, rng: random.Random) -> str:
    if word[:1].isdigit() and "-" in word:
        return rng.choice((word, word.replace("-", ""), word.split("-")[0]))
    return word
