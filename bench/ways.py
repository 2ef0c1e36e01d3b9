"""Ways of writing an address beyond typos, each a set of its own: the keyboard in the wrong
layout (either way), Latin letters (GOST, ISO 9, passport, informal), a document's prefixes
(postcode, country, city, okrug, district), glued house numbers, a first name left out. Written
by the bench's own rules (bench.typos), not the search's."""
from __future__ import annotations

import csv
import random
import re
from functools import cache
from typing import Callable

from bench.typos import (
    TypedQuery, _TYPE_FORMS, _casual, _core, _house_text, _split, _street_text, _street_words, _streets_by_core,
)
from bot.demo import HOUSES_CSV
from verification.address import HouseEntry

_RU_KEYS = "йцукенгшщзхъфывапролджэячсмитьбюё.,ЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ\"№;:?/"
_EN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`/?QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>~@#$^&|"
_TO_ENGLISH_KEYS = str.maketrans(_RU_KEYS, _EN_KEYS)
_TO_RUSSIAN_KEYS = str.maketrans(_EN_KEYS[:68], _RU_KEYS[:68])  # letters, "/" and "?"

# Latin for each Russian letter, а to я ("-" for none); GOST's ц is "c" before е, и, ы, й.
_LATIN = {
    "GOST 7.79-B": "a b v g d e yo zh z i j k l m n o p r s t u f x cz ch sh shh `` y' ` e' yu ya",
    "ISO 9": "a b v g d e ë ž z i j k l m n o p r s t u f h c č š ŝ ʺ y ʹ è û â",
    "ICAO 2013": "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y - e iu ia",
    "informal": "a b v g d e yo zh z i y k l m n o p r s t u f kh ts ch sh shch - y ' e yu ya",
}
_SCHEMES = {scheme: dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", latin.split()))
            for scheme, latin in _LATIN.items()}
SCHEMES = tuple(_SCHEMES)
# What people type instead, informally: a few letters and adjective endings have several forms.
_INFORMAL = {"ё": ("yo", "e"), "х": ("kh", "h"), "й": ("y", "j", "i"), "щ": ("shch", "sch"),
             "ь": ("", "'"), "ц": ("ts", "c")}
_INFORMAL_ENDINGS = {"ий": ("iy", "y", "ij", "ii"), "ый": ("y", "iy", "yy", "yi"),
                     "ая": ("aya", "aja")}
_VOWELS = "аеёиоуыэюяьъ"


def _latin_word(word: str, scheme: str, rng: random.Random) -> str:
    lower, informal = word.lower(), scheme == "informal"
    for ending, forms in _INFORMAL_ENDINGS.items():
        if informal and lower.endswith(ending) and len(lower) > 3:
            return _latin_word(word[:-2], scheme, rng) + rng.choice(forms)
    out = []
    for at, letter in enumerate(lower):
        latin = _SCHEMES[scheme].get(letter, letter)
        if informal and letter in _INFORMAL and rng.random() < 0.3:
            latin = rng.choice(_INFORMAL[letter])
        elif informal and letter == "е" and (at == 0 or lower[at - 1] in _VOWELS):
            latin = "ye" if rng.random() < 0.6 else "e"
        elif scheme.startswith("GOST") and letter == "ц" and lower[at + 1:at + 2] in (
                "е", "и", "ы", "й"):
            latin = "c"
        out.append("" if latin == "-" else latin)
    text = "".join(out)
    return text.capitalize() if word[:1].isupper() else text


def transliterate(text: str, scheme: str, rng: random.Random) -> str:
    """Latin letters for Russian ones, word by word, in one of the SCHEMES."""
    latin = re.sub(r"[а-яёА-ЯЁ]+", lambda m: _latin_word(m[0], scheme, rng), text)
    return latin.upper() if scheme == "ICAO 2013" and rng.random() < 0.3 else latin


def _clean(house: HouseEntry, streets_by_core: dict[str, set[str]], rng: random.Random,
           numbers: str | None = None) -> str:
    street, parts = _split(house.address)
    unique = len(streets_by_core[_core(street[-1])]) == 1
    text = (_street_text(street, unique, rng, typos=False) + (", " if rng.random() < 0.3 else " ")
            + (numbers if numbers is not None else _house_text(parts, rng)))
    return _casual(text, rng)


def _written(houses: list[HouseEntry], count: int, seed: int,
             write: Callable[[str, HouseEntry, random.Random], str]) -> list[TypedQuery]:
    """`count` random houses, each written without typos and then as `write` rewrites it."""
    rng = random.Random(seed)
    by_core = _streets_by_core(houses)
    return [TypedQuery(write(_clean(house, by_core, rng), house, rng), house.house_id)
            for house in rng.sample(houses, count)]


def english_layout_queries(houses: list[HouseEntry], count: int, seed: int = 31
                           ) -> list[TypedQuery]:
    """Russian typed with the English layout on: "ekbwf Kj,fxtdcrjuj" for улица Лобачевского."""
    return _written(houses, count, seed, lambda text, _, rng: text.translate(_TO_ENGLISH_KEYS))


def _on_russian_layout(text: str, _: HouseEntry, rng: random.Random) -> str:
    latin = transliterate(text, "informal", rng)
    # Punctuation is often typed where the Russian layout has it; "/" between digits always.
    keep = ".," if rng.random() < 0.5 else ""
    return "".join(c if c in keep or (c == "/" and latin[i - 1:i].isdigit())
                   else c.translate(_TO_RUSSIAN_KEYS) for i, c in enumerate(latin))


def russian_layout_queries(houses: list[HouseEntry], count: int, seed: int = 37
                           ) -> list[TypedQuery]:
    """Latin transliteration typed with the Russian layout on: "гд. лгиштлф" for "ul. kubinka"."""
    return _written(houses, count, seed, _on_russian_layout)


def translit_queries(houses: list[HouseEntry], count: int, scheme: str, seed: int = 41
                     ) -> list[TypedQuery]:
    """Addresses in Latin letters, one of the SCHEMES: "ul. Kubinka 12 k3"."""
    return _written(houses, count, seed, lambda text, _, rng: transliterate(text, scheme, rng))


_OKRUGS = {"ЦАО": "Центральный", "САО": "Северный", "СВАО": "Северо-Восточный",
           "ВАО": "Восточный", "ЮВАО": "Юго-Восточный", "ЮАО": "Южный", "ЮЗАО": "Юго-Западный",
           "ЗАО": "Западный", "СЗАО": "Северо-Западный", "ЗелАО": "Зеленоградский",
           "ТиНАО": "Новомосковский"}
_CITIES = ("г. Москва", "Москва", "город Москва", "г Москва", "г.Москва", "Moscow", "Москва г.")
_COUNTRIES = ("Россия", "РФ", "Российская Федерация")
_DISTRICT_FORMS = ("район {}", "р-н {}", "муниципальный округ {}", "{} район", "{}", "{}")


@cache
def _okrug_of() -> dict[str, str]:
    """District → okrug, from the houses file."""
    with HOUSES_CSV.open(encoding="utf-8", newline="") as file:
        return {row["district"]: row["okrug"] for row in csv.DictReader(file)}


def _with_prefix(text: str, house: HouseEntry, rng: random.Random) -> str:
    okrug = _okrug_of().get(house.district)
    prefix = [f"{rng.randint(101000, 143999)}"] if rng.random() < 0.5 else []
    if rng.random() < 0.3:
        prefix.insert(rng.randint(0, len(prefix)), rng.choice(_COUNTRIES))
    if rng.random() < 0.85 or not prefix:
        prefix.append(rng.choice(_CITIES))
    if okrug and rng.random() < 0.4:
        prefix.append(okrug if rng.random() < 0.7 else f"{_OKRUGS[okrug]} административный округ")
    if "," not in house.address.split(", дом")[0] and rng.random() < 0.5:  # not a settlement's
        prefix.append(rng.choice(_DISTRICT_FORMS).format(house.district.strip('"')))
    return (", " if rng.random() < 0.8 else " ").join(prefix + [text])


def prefix_queries(houses: list[HouseEntry], count: int, seed: int = 43) -> list[TypedQuery]:
    """What a document puts first: "119602, г. Москва, ЮЗАО, район Тёплый Стан, ул. ..."."""
    return _written(houses, count, seed, _with_prefix)


def _glued(values: dict[str, str], has_split_twin: bool, rng: random.Random) -> str:
    dom, korpus, building = values.get("дом"), values.get("корпус"), values.get("строение")
    if dom is None:
        return rng.choice(("к{}", "к.{}", "корп.{}", "корпус{}")).format(korpus)
    dom = dom.lower() if rng.random() < 0.5 else dom
    text = rng.choice(("д{}", "д.{}", "дом{}", "{}", "{}", "д. {}")).format(dom)
    if (korpus and not has_split_twin and building is None and "/" not in dom
            and rng.random() < 0.2):
        return f"{text}/{korpus}"  # 12/3 where the street has no house 12/3 itself
    if korpus:
        text += rng.choice(("к{}", "к.{}", " корп.{}", "корп{}", " к{}", " кор.{}")).format(korpus)
    if building:
        text += rng.choice(("с{}", "стр{}", " стр.{}", "ст{}", " с.{}")).format(building)
    return text


def glued_number_queries(houses: list[HouseEntry], count: int, seed: int = 47
                         ) -> list[TypedQuery]:
    """House numbers glued together: "д12к3", "12к3", "д.12 корп.3", "12/3", "77стр3"."""
    rng = random.Random(seed)
    by_core = _streets_by_core(houses)
    taken = {house.address for house in houses}
    queries = []
    for house in rng.sample(houses, count):
        street, parts = _split(house.address)
        values = {part.split()[0]: part.split()[1] for part in parts}
        twin = ", ".join(street + [f"дом {values.get('дом')}/{values.get('корпус')}"]) in taken
        number = _glued(values, twin, rng)
        text = _clean(house, by_core, rng, number)
        if rng.random() < 0.15:  # the number first, or glued to the street
            text = number + " " + text[:-len(number)].rstrip(", ")
        elif rng.random() < 0.1 and not number[0].isdigit():
            street_text = text[:-len(number)].rstrip(", ")
            if street_text.split()[-1].isalpha():  # after a name, not after "б-р" or "ул."
                text = street_text + number
        queries.append(TypedQuery(text, house.house_id))
    return queries


# Ranks and first names that start a street's name and that people leave out.
_FIRST_NAMES = {"академика", "генерала", "маршала", "матроса", "космонавта", "лётчика",
                "архитектора", "комдива", "героев", "алексея", "бориса", "василисы", "герасима",
                "демьяна", "дмитрия", "егора", "екатерины", "елены", "ивана", "константина",
                "марии", "наташи", "николая", "петра", "степана", "фёдора", "леси", "олеко"}


def first_name_queries(houses: list[HouseEntry], count: int, seed: int = 53
                       ) -> list[TypedQuery]:
    """A street's rank or first name left out ("ул. Абакумова 3" for улица Егора Абакумова),
    only where the rest still names one street; half of them with the typo set's typos too."""
    rng = random.Random(seed)
    names: dict[str, set[str]] = {}
    for house in houses:
        street = _split(house.address)[0][-1]
        names[street] = {w.lower() for w in street.split() if w.lower() not in _TYPE_FORMS}
    shortened = {}
    for street, words in names.items():
        first = street.split()[1 if street.split()[0].lower() in _TYPE_FORMS else 0]
        rest = words - {first.lower()}
        if (first.lower() in _FIRST_NAMES and rest
                and not any(rest <= other for s, other in names.items() if s != street)):
            shortened[street] = street.replace(first + " ", "", 1)
    chosen = [house for house in houses if _split(house.address)[0][-1] in shortened]
    by_core = _streets_by_core(houses)
    queries = []
    for house in rng.choices(chosen, k=count):
        street, parts = _split(house.address)
        shorter = shortened[street[-1]]
        if rng.random() < 0.5:  # a typo or two in what is left, as in the typo set
            shorter = " ".join(_street_words(shorter.split(), False, rng))
        address = ", ".join(street[:-1] + [shorter] + parts)
        text = _clean(HouseEntry(house.house_id, address, house.district), by_core, rng)
        queries.append(TypedQuery(text, house.house_id))
    return queries
