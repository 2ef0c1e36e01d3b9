"""Addresses in Latin letters read back into Russian ones.

People write "ul. Kubinka 12 k3" in whichever scheme they know: GOST 7.79 ("ulicza", "shh",
"y'"), ISO 9 with diacritics ("š", "â"), passport-style ICAO 2013 ("IA", "IU", "KH", "TS",
"SHCH", "i" for й) or informal spelling ("ya", "yu", "kh", "sh", "ch", "j", "y"). Where a
spelling could be read two ways ("ts" is ц in "ulitsa" but тс in "Sovetskaya"), every reading
is offered, the most likely first, and the caller keeps the one that names a known word.
"""
from __future__ import annotations

import re
import unicodedata
from itertools import islice, product
from typing import Callable

# Latin spellings → Russian, longest first; the first reading is the most common one.
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "shch": ("щ",), "shh": ("щ",), "sch": ("щ", "сч"),
    "zh": ("ж",), "kh": ("х",), "tch": ("тч", "ч"), "ch": ("ч",), "sh": ("ш",), "ph": ("ф",),
    "ts": ("ц", "тс"), "tc": ("ц",), "cz": ("ц",),
    "yo": ("е", "йо"), "jo": ("е",), "yu": ("ю",), "ju": ("ю",), "iu": ("ю", "иу"),
    "ya": ("я",), "ja": ("я",), "ia": ("я", "иа"), "ye": ("е",), "je": ("е",),
    "ie": ("ие", "ье", "ъе"), "y'": ("ы",), "e'": ("э",), "``": ("ъ",), "''": ("ъ",),
    "a": ("а",), "b": ("б",), "v": ("в",), "g": ("г",), "d": ("д",), "e": ("е",), "z": ("з",),
    "i": ("и",), "k": ("к",), "l": ("л",), "m": ("м",), "n": ("н",), "o": ("о",), "p": ("п",),
    "r": ("р",), "s": ("с",), "t": ("т",), "u": ("у",), "f": ("ф",), "h": ("х",),
    "c": ("ц", "к"), "j": ("й", "ж"), "x": ("кс", "х"), "w": ("в",), "q": ("к",),
    "'": ("ь", ""), "`": ("ь", ""), "ʹ": ("ь",), "ʺ": ("ъ",),
    # ISO 9
    "ž": ("ж",), "č": ("ч",), "š": ("ш",), "ŝ": ("щ",), "ë": ("е",), "è": ("э",),
    "â": ("я",), "û": ("ю",),
}
_LONGEST = max(map(len, _SPELLINGS))
_VOWELS = set("aeiouy")
# "й" and "ы" are both written "y" (ICAO writes й as "i"): the letters around tell them apart.
_AFTER_VOWEL_Y = ("й",)
_AFTER_CONSONANT_Y = ("ы",)
# Adjective endings: "-sky", "-skiy", "-skij", "-skii" are all -ский; "-yy", "-yi" are -ый.
_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("iy", ("ий", "ый")), ("ij", ("ий", "ый")), ("ii", ("ий", "ии")), ("yy", ("ый", "ий")),
    ("yj", ("ый", "ий")), ("yi", ("ый", "ий")), ("y", ("ый", "ий", "ы", "й")),
)
# After к, г, х, ж, ш, ч, щ Russian writes и, never ы: "-sky" is -ский.
_SOFTENING = ("k", "g", "h", "zh", "sh", "ch")
# A suffix after a number ("15-ya", "1-y", "3-i") is an ordinal's ending; a single letter only
# after a hyphen, since "12a" is дом 12А.
_ORDINAL_ENDINGS = {
    **dict.fromkeys(("ya", "ia", "ja", "aya", "aia"), "я"),
    **dict.fromkeys(("iy", "yy", "yj", "ij", "ii", "yi", "oy", "oj", "oi"), "й"),
    **dict.fromkeys(("ye", "oe", "oye"), "е"),
}
_HYPHEN_ORDINAL_ENDINGS = {"y": "й", "j": "й", "i": "й", "e": "е", **_ORDINAL_ENDINGS}
# English words in a Latin address.
_ENGLISH = {
    "moscow": "москва", "russia": "россия", "russian": "российская", "federation": "федерация",
    "street": "улица", "avenue": "проспект", "ave": "проспект", "prospect": "проспект",
    "lane": "переулок", "highway": "шоссе", "boulevard": "бульвар", "blvd": "бульвар",
    "embankment": "набережная", "square": "площадь", "passage": "проезд", "city": "город",
    "district": "район", "house": "дом", "building": "строение", "bldg": "строение",
    "apartment": "квартира", "apt": "квартира", "flat": "квартира",
}
# The most readings a word gets: enough for its ambiguous spots, bounded for long words.
MAX_READINGS = 16

_LATIN = re.compile(r"[a-zà-žʹʺ'`]*[a-zà-ž][a-zà-žʹʺ'`]*")
_LATIN_LETTER = re.compile(r"[a-z]", re.IGNORECASE)


def has_latin(text: str) -> bool:
    return _LATIN_LETTER.search(_plain(text)) is not None


def _plain(text: str) -> str:
    """Lower case; diacritics other than ISO 9's dropped ("é" → "e")."""
    kept = set("žčšŝëèâû")
    return "".join(c if c in kept else
                   unicodedata.normalize("NFKD", c)[0] if ord(c) > 127 and c.isalpha()
                   and not "\u0400" <= c <= "\u04ff" else c
                   for c in text.lower())


def readings(word: str) -> tuple[str, ...]:
    """The Russian readings of one Latin word, the most likely first."""
    word = word.lstrip("'`")
    if word in _ENGLISH:
        return (_ENGLISH[word],)
    options: list[tuple[str, ...]] = []
    at = 0
    while at < len(word):
        ending = next(((latin, forms) for latin, forms in _ENDINGS
                       if word.endswith(latin) and len(word) - len(latin) == at and at >= 3
                       and word[at - 1] not in _VOWELS), None)
        if ending is not None:
            soft = word[:at].endswith(_SOFTENING) and ending[1][0] == "ый"
            options.append((ending[1][1], ending[1][0], *ending[1][2:]) if soft else ending[1])
            break
        if word[at] == "y" and word[at + 1:at + 2] not in ("a", "u", "e", "o", "'"):
            after_vowel = at > 0 and word[at - 1] in _VOWELS
            options.append(_AFTER_VOWEL_Y if after_vowel else _AFTER_CONSONANT_Y)
            at += 1
            continue
        if (word[at] == "i" and at > 0 and word[at - 1] in "aeou"
                and word[at + 1:at + 2] not in ("a", "u", "e")):
            options.append(("й", "и"))  # ICAO's "Gaidara", "raion"
            at += 1
            continue
        for size in range(min(_LONGEST, len(word) - at), 0, -1):
            forms = _SPELLINGS.get(word[at:at + size])
            if forms is not None:
                if at == 0 and word[at:at + size] == "e":
                    forms = ("е", "э")
                elif word[at:at + size] == "ts" and word[at + 2:at + 3] == "k":
                    forms = ("тс", "ц")  # "Sovetskaya"
                elif size == 2 and word[at] == "y" and at > 0 and word[at - 1] not in _VOWELS:
                    forms = tuple("ь" + form for form in forms) + forms  # "Ulyanova"
                options.append(forms)
                at += size
                break
        else:
            at += 1  # a sign of no use here
    return tuple(dict.fromkeys("".join(combo)
                               for combo in islice(product(*options), MAX_READINGS)))


def _ordinal_ending(match: re.Match[str]) -> str:
    return match[1] + _HYPHEN_ORDINAL_ENDINGS[match[2]]


def _alternatives(endings: dict[str, str]) -> str:
    return "|".join(sorted(endings, key=len, reverse=True))


_ORDINAL = re.compile(rf"(\d+-|\d+(?=(?:{_alternatives(_ORDINAL_ENDINGS)})(?![a-z])))"
                      rf"({_alternatives(_HYPHEN_ORDINAL_ENDINGS)})(?![a-z])")


def from_latin(text: str, choose: Callable[[tuple[str, ...]], str]) -> str:
    """The text with its Latin words read as Russian; `choose` picks among a word's readings."""
    text = _ORDINAL.sub(_ordinal_ending, _plain(text))
    return _LATIN.sub(lambda word: choose(readings(word[0])), text)
