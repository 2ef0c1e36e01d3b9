"""How Moscow addresses are written and typed: the words, abbreviations and number forms.

Everything is folded to one form first (lower case, ё → е, abbreviations expanded), so the
fuzzy matcher only has to deal with real typos, not with the many ways of writing "улица".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

# Street and settlement types. A short form may stand for several types ("пр" is written for
# both проспект and проезд), so each maps to a set; the first is the canonical spelling.
_TYPES: dict[str, tuple[str, ...]] = {
    "улица": ("улица",), "ул": ("улица",), "улиц": ("улица",),
    "проспект": ("проспект",), "просп": ("проспект",), "пр": ("проспект", "проезд"),
    "пркт": ("проспект",), "прт": ("проспект",),
    "проезд": ("проезд",), "прзд": ("проезд",), "прд": ("проезд",),
    "шоссе": ("шоссе",), "ш": ("шоссе",), "шос": ("шоссе",),
    "бульвар": ("бульвар",), "бул": ("бульвар",), "бульв": ("бульвар",), "бр": ("бульвар",),
    "булв": ("бульвар",),
    "переулок": ("переулок",), "пер": ("переулок",),
    "набережная": ("набережная",), "наб": ("набережная",),
    "площадь": ("площадь",), "пл": ("площадь",),
    "тупик": ("тупик",), "туп": ("тупик",),
    "аллея": ("аллея",), "ал": ("аллея",), "алл": ("аллея",),
    "линия": ("линия",), "лин": ("линия",),
    "квартал": ("квартал",), "квл": ("квартал",),
    "микрорайон": ("микрорайон",), "мкр": ("микрорайон",), "мкрн": ("микрорайон",),
    "мкн": ("микрорайон",),
    "город": ("город",), "г": ("город",), "гор": ("город",),
    "поселение": ("поселение",), "поселок": ("поселок",), "пос": ("поселок", "поселение"),
    "п": ("поселок", "поселение"), "пгт": ("поселок",),
    "рп": ("поселок",), "дп": ("поселок",), "дачный": ("поселок",),
    "деревня": ("деревня",), "дер": ("деревня",), "село": ("село",),
}

# Hyphenated abbreviations must be caught before hyphens split words apart.
_HYPHENATED = [
    (re.compile(r"\bпр-к?т\b"), " проспект "),
    (re.compile(r"\bпр-з?д\b"), " проезд "),
    (re.compile(r"\bб-р\b|\bбул-р\b"), " бульвар "),
    (re.compile(r"\bкв-л\b"), " квартал "),
    (re.compile(r"\bмкр-н\b|\bм-н\b"), " микрорайон "),
    (re.compile(r"\bпос-е\b"), " поселение "),
    (re.compile(r"\bп-к\b"), " переулок "),
    (re.compile(r"\bш-се\b"), " шоссе "),
]

# Words that introduce a house-number part.
Marker = Literal["dom", "korpus", "stroenie", "flat"]
_MARKERS: dict[str, Marker] = {
    "дом": "dom", "д": "dom", "владение": "dom", "вл": "dom", "влад": "dom",
    "домовладение": "dom",
    "корпус": "korpus", "корп": "korpus", "кор": "korpus", "к": "korpus", "корпуса": "korpus",
    "строение": "stroenie", "стр": "stroenie", "строен": "stroenie", "с": "stroenie",
    "ст": "stroenie",
    # Numbers inside the house say nothing about which house it is.
    "квартира": "flat", "кв": "flat", "кварт": "flat", "офис": "flat",
    "подъезд": "flat", "под": "flat", "этаж": "flat", "эт": "flat",
}

# Short forms of common name words; expanding them lets "Б. Тульская" find Большая Тульская.
_NAME_ABBREVIATIONS = {
    "б": "большая", "бол": "большая", "больш": "большая",
    "м": "малая", "мал": "малая",
    "ср": "средняя", "сред": "средняя",
    "верх": "верхняя", "ниж": "нижняя",
    "акад": "академика", "ген": "генерала", "марш": "маршала",
}

# Ordinal words are folded to digits so "Вторая Пятилетка" and "2-я Пятилетка" agree.
_ORDINAL_WORDS = {
    stem + ending: str(number)
    for number, stem in enumerate(
        ("перв", "втор", "трет", "четверт", "пят", "шест", "седьм", "восьм", "девят", "десят"),
        start=1,
    )
    for ending in ("ая", "ый", "ой", "ий", "ья", "ий", "ое", "ье")
}

# Words that say nothing about which house is meant ("Москва, ул. ...").
_NOISE = {"москва", "мск", "россия", "рф", "имени", "им", "и"}

# Honorifics people drop ("Рокоссовского 12" for бульвар Маршала Рокоссовского).
HONORIFICS = frozenset({
    "маршала", "генерала", "академика", "космонавта", "летчика", "архитектора", "комдива",
    "героев", "матроса", "адмирала", "профессора", "писателя",
})

# First names people drop too ("Абакумова 3" for улица Егора Абакумова), as streets spell them:
# in the genitive.
GIVEN_NAMES = frozenset({
    "александра", "алексея", "анатолия", "андрея", "антона", "аркадия", "бориса", "вадима",
    "валентина", "валерия", "василия", "виктора", "виталия", "владимира", "вячеслава",
    "георгия", "герасима", "григория", "даниила", "демьяна", "дмитрия", "евгения", "егора",
    "ивана", "игоря", "ильи", "кирилла", "константина", "льва", "максима", "матвея", "михаила",
    "николая", "олега", "олеко", "павла", "петра", "романа", "саляма", "семена", "сергея",
    "степана", "федора", "юрия", "якова",
    "анны", "валентины", "василисы", "веры", "галины", "дарьи", "екатерины", "елены",
    "зои", "ирины", "леси", "любови", "людмилы", "марии", "марины", "натальи", "наташи",
    "нины", "ольги", "раисы", "софьи", "татьяны",
})

HOUSE_LETTERS = "абвгдеж"

_TOKEN = re.compile(
    r"(?P<ordinal>\d+)-?(?:ая|ой|ий|ый|ое|ья|й|я|е)(?![а-яa-z])"
    r"|(?P<number>\d+(?:\s*/\s*\d+|-\d+)?)"
    # A house letter ends a number ("12а", "12 а", "10бк9"); "д" before digits is дом instead.
    r"(?:\s*-?\s*(?P<letter>[абвгеж](?=[^а-яa-z]|$|(?:корпус|корп|к|строение|стр|с)\.?\s*\d)"
    r"|д(?![а-яa-z])(?!\s*\d)))?"
    r"(?:\s*/\s*(?P<slash>\d+[а-и]?))?"
    r"|(?P<word>[а-яa-z]+)"
)


@dataclass(frozen=True, slots=True)
class Token:
    """One meaningful piece of a typed address."""

    kind: Literal["word", "type", "marker", "ordinal", "number"]
    text: str
    types: tuple[str, ...] = ()
    hyphenated: bool = False  # joined to the next word by a hyphen ("Наро-Фоминская")


def fold(text: str) -> str:
    """Lower case, ё → е, known hyphenated abbreviations expanded, punctuation to spaces."""
    text = text.lower().replace("ё", "е")
    for pattern, replacement in _HYPHENATED:
        text = pattern.sub(replacement, text)
    # Keep "/" and "-" (65/47, 11-13, 3-я); every other sign only separates words.
    return re.sub(r"[^\w/\-]+|_", " ", text)


def tokenize(text: str) -> tuple[Token, ...]:
    """Split a typed address into words, type words, markers, ordinals and house numbers."""
    tokens: list[Token] = []
    folded = fold(text)
    for match in _TOKEN.finditer(folded):
        if match["ordinal"]:
            tokens.append(Token("ordinal", str(int(match["ordinal"]))))
        elif match["number"]:
            number = re.sub(r"\s+", "", match["number"])
            number = re.sub(r"(?<!\d)0+(?=\d)", "", number)  # "012" is дом 12
            tokens.append(Token("number", number + (match["letter"] or "")
                                + (f"/{match['slash']}" if match["slash"] else "")))
        elif (len(match["word"]) == 1 and match["word"] in HOUSE_LETTERS and tokens
              and tokens[-1].kind == "marker" and tokens[-1].text != "flat"):
            tokens.append(Token("number", match["word"]))  # "корпус Б"
        else:
            token = _classify(match["word"])
            if token.kind == "word" and folded[match.end():match.end() + 1] == "-":
                token = Token("word", token.text, hyphenated=True)
            tokens.append(token)
    return tuple(t for t in tokens if t.text)


# Registry addresses repeat one street and "корпус 1" thousands of times; what residents type
# is not cached.
tokenize_registry_part = lru_cache(maxsize=16384)(tokenize)


def _classify(word: str) -> Token:
    if word in _MARKERS:
        return Token("marker", _MARKERS[word])
    if word in _TYPES:
        return Token("type", _TYPES[word][0], _TYPES[word])
    if word in _ORDINAL_WORDS:
        return Token("ordinal", _ORDINAL_WORDS[word])
    if word in _NOISE:
        return Token("word", "")
    return Token("word", _NAME_ABBREVIATIONS.get(word, word))


def type_words() -> tuple[str, ...]:
    """The canonical street and settlement type words, for fuzzy-matching typed types."""
    return tuple(sorted({types[0] for types in _TYPES.values()}))


def types_of(word: str) -> tuple[str, ...]:
    return _TYPES.get(word, ())


def known_words() -> tuple[str, ...]:
    """Every word the tokenizer gives a meaning to: types, markers, ordinals, short forms."""
    return tuple(sorted({*_TYPES, *_MARKERS, *_ORDINAL_WORDS, *_NOISE, *_NAME_ABBREVIATIONS,
                         *_NAME_ABBREVIATIONS.values()}))


def ordinal_words() -> dict[str, str]:
    """Ordinal words ("вторая") and the digits they stand for, for fuzzy-matching typed ones."""
    return dict(_ORDINAL_WORDS)
