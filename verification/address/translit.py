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
# A suffix after a number ("15-ya", "1-y", "3j") is an ordinal's ending; "e" only after a
# hyphen, since "12e" may be дом 12Е (and "12a" is always дом 12А).
_ORDINAL_ENDINGS = {
    **dict.fromkeys(("ya", "ia", "ja", "aya", "aia"), "я"),
    **dict.fromkeys(("iy", "yy", "yj", "ij", "ii", "yi", "oy", "oj", "oi"), "й"),
    **dict.fromkeys(("ye", "oe", "oye"), "е"),
}
_ORDINAL_ENDINGS.update(dict.fromkeys(("y", "j", "i"), "й"))  # no house letter is y, j or i
_HYPHEN_ORDINAL_ENDINGS = {"e": "е", **_ORDINAL_ENDINGS}
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
# A Latin letter, with or without diacritics (Latin-1 Supplement to Latin Extended-B).
_LATIN_LETTER = re.compile(r"[a-zA-Z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")


def has_latin(text: str) -> bool:
    return _LATIN_LETTER.search(text) is not None


_ISO_LETTERS = frozenset("žčšŝëèâû")


def _plain_letter(c: str) -> str:
    if c.isascii() or c in _ISO_LETTERS or "\u0400" <= c <= "\u04ff" or not c.isalpha():
        return c
    return unicodedata.normalize("NFKD", c)[0]


def _plain(text: str) -> str:
    """Lower case; diacritics other than ISO 9's dropped ("é" → "e")."""
    return "".join(map(_plain_letter, text.lower()))


def _ending(word: str) -> tuple[int, tuple[str, ...]] | None:
    """Where an adjective ending ("-skiy", "-yy") starts, and its readings."""
    for latin, forms in _ENDINGS:
        at = len(word) - len(latin)
        if word.endswith(latin) and at >= 3 and word[at - 1] not in _VOWELS:
            if word[:at].endswith(_SOFTENING) and forms[0] == "ый":
                forms = (forms[1], forms[0], *forms[2:])
            return at, forms
    return None


def readings(word: str) -> tuple[str, ...]:
    """The Russian readings of one Latin word, the most likely first (at most MAX_READINGS:
    a long word's later ambiguities keep their likeliest reading)."""
    word = word.lstrip("'`")
    if word in _ENGLISH:
        return (_ENGLISH[word],)
    ending = _ending(word)
    options: list[tuple[str, ...]] = []
    at = 0
    while at < len(word):
        if ending is not None and at == ending[0]:
            options.append(ending[1])
            break
        if word[at] == "y" and word[at + 1:at + 2] not in ("a", "u", "e", "o", "'"):
            options.append(_AFTER_VOWEL_Y if at > 0 and word[at - 1] in _VOWELS
                           else _AFTER_CONSONANT_Y)
            at += 1
            continue
        if (word[at] == "i" and at > 0 and word[at - 1] in "aeou"
                and word[at + 1:at + 2] not in ("a", "u", "e")):
            options.append(("й", "и"))  # ICAO's "Gaidara", "raion"
            at += 1
            continue
        for size in range(min(_LONGEST, len(word) - at), 0, -1):
            latin = word[at:at + size]
            forms = _SPELLINGS.get(latin)
            if forms is not None:
                if at == 0 and latin == "e":
                    forms = ("е", "э")
                elif latin == "ts" and word[at + 2:at + 3] == "k":
                    forms = ("тс", "ц")  # "Sovetskaya"
                elif size == 2 and latin[0] == "y" and at > 0 and word[at - 1] not in _VOWELS:
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


# "st" after a name is English "street" ("Kubinka st 12"); after a number it is строение.
_STREET = re.compile(r"(?<=[a-z])(\s*,?\s+)st\b\.?")


def from_latin(text: str, choose: Callable[[tuple[str, ...]], str]) -> str:
    """The text with its Latin words read as Russian; `choose` picks among a word's readings."""
    text = _STREET.sub(r"\1street", _ORDINAL.sub(_ordinal_ending, _plain(text)))
    return _LATIN.sub(lambda word: choose(readings(word[0])), text)
