"""Text typed with the keyboard in the other layout: the same keys, ЙЦУКЕН read as QWERTY.

"ekbwf Kj,fxtdcrjuj" is "улица Лобачевского" typed with the English layout on; "гд. лгишялф"
is "ul. kubinka" typed with the Russian layout on.
"""
from __future__ import annotations

import re

_RUSSIAN = "йцукенгшщзхъфывапролджэячсмитьбюё"
_ENGLISH = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
# With Shift: letters are folded to lower case later, but signs differ between the layouts.
_ENGLISH_SHIFTED = "QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>~"
_SIGNS = ("/?|@#$^&", ".,/\"№;:?")

_FROM_ENGLISH = str.maketrans(_ENGLISH + _ENGLISH_SHIFTED + _SIGNS[0],
                              _RUSSIAN + _RUSSIAN.upper() + _SIGNS[1])
# Letters only: a "." or "," in Latin typed on the Russian layout was most often meant as typed.
_TO_ENGLISH = str.maketrans(_RUSSIAN + _RUSSIAN.upper(), _ENGLISH + _ENGLISH_SHIFTED)

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
# A run of keys that are letters on the Russian layout, with at least one Latin letter in it.
_ENGLISH_RUN = re.compile(r"[a-z\[\];',.`{}:\"<>~]*[a-z][a-z\[\];',.`{}:\"<>~]*", re.IGNORECASE)
# "12/3" keeps its slash: numbers are typed looking at the keys.
_DIGIT_SLASH = re.compile(r"(?<=\d)/(?=\d)")


def from_english_keys(text: str) -> str:
    """Russian for what was typed with the English layout on ("ekbwf" → "улица").

    A text with Russian letters in it was only partly typed so: only its Latin runs change."""
    if _CYRILLIC.search(text):
        return _ENGLISH_RUN.sub(lambda run: run[0].translate(_FROM_ENGLISH), text)
    parts = _DIGIT_SLASH.split(text)
    return "/".join(part.translate(_FROM_ENGLISH) for part in parts)


def to_english_keys(text: str) -> str:
    """The Latin keys behind Russian letters typed with the Russian layout on ("гд" → "ul")."""
    return text.translate(_TO_ENGLISH)
