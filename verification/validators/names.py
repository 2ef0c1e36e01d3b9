"""Full name: surname, name and an optional patronymic, in Russian letters as in the passport."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from verification.refusal import N_, Accepted, Refusal, Validated
from verification.validators.input_text import DASHES, first_not_allowed, shown, tidy

RUSSIAN_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
_ALLOWED = RUSSIAN_LETTERS + " -"
# Turkic patronymics are written with a separate word: "Рашид Ахмед оглы" (son of Ahmed).
PATRONYMIC_SUFFIXES = frozenset({"оглы", "кызы", "улы", "уулу", "гызы"})
MAX_LENGTH = 120
_INITIAL = re.compile(r"(?:^|[\s-])[А-Яа-яЁё]\.")
_LATIN = re.compile(r"[A-Za-z]")
_KEY_SEPARATORS = re.compile(rf"[\s\-{DASHES}]+")


@dataclass(frozen=True, slots=True)
class FullName:
    surname: str
    name: str
    patronymic: str | None = None

    def __str__(self) -> str:
        return " ".join(part for part in (self.surname, self.name, self.patronymic) if part)


def normalise_name_key(text: str) -> str:
    """A key under which spellings of one name meet: case, ё/е, hyphens and spaces do not matter."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _KEY_SEPARATORS.sub(" ", folded).strip()


def _capitalised(word: str) -> str:
    pieces = word.split("-")
    out = [piece[:1].upper() + piece[1:].lower() for piece in pieces]
    if len(out) > 1 and out[-1].lower() in PATRONYMIC_SUFFIXES:
        out[-1] = out[-1].lower()
    return "-".join(out)


def _characters_refusal(text: str) -> Refusal | None:
    if any(char.isdigit() for char in text):
        return Refusal(
            "full_name.digits",
            N_("A name cannot contain digits. Write your surname, name and patronymic "
               "in Russian letters, e.g. Иванов Иван Иванович."),
        )
    if _INITIAL.search(text):
        return Refusal(
            "full_name.initials",
            N_("Write the name and patronymic in full, not as initials: "
               "Иванов Иван Иванович, not Иванов И. И."),
        )
    if _LATIN.search(text):
        return Refusal(
            "full_name.latin",
            N_("The name contains Latin letters. Write it in Russian letters exactly as in "
               "your passport, e.g. Иванов Иван Иванович."),
        )
    symbol = first_not_allowed(text, _ALLOWED)
    if symbol is not None:
        return Refusal(
            "full_name.symbols",
            N_("A name may contain only Russian letters, spaces and hyphens; "
               "remove «{symbol}». Example: Римский-Корсаков Николай Андреевич."),
            {"symbol": shown(symbol)},
        )
    return None


def validate_full_name(text: str) -> Validated[FullName]:
    """Accepts 'иванов  иван иванович' as Иванов Иван Иванович; refuses with the reason otherwise."""
    tidied = re.sub(r"\s*-\s*", "-", tidy(text))
    if not tidied:
        return Refusal(
            "full_name.empty",
            N_("Write your surname, name and patronymic (if you have one), e.g. Иванов Иван Иванович."),
        )
    refusal = _characters_refusal(tidied)
    if refusal is not None:
        return refusal
    if len(tidied) > MAX_LENGTH:
        return Refusal(
            "full_name.too_long",
            N_("The name is too long: at most {limit} characters. Write only the surname, "
               "name and patronymic, e.g. Иванов Иван Иванович."),
            {"limit": MAX_LENGTH},
        )
    parts = tidied.split(" ")
    if any(piece == "" for part in parts for piece in part.split("-")):
        return Refusal(
            "full_name.hyphen",
            N_("A hyphen may only join two parts of a double name, e.g. Римский-Корсаков "
               "or Анна-Мария; remove the stray hyphen."),
        )
    if len(parts) == 4 and parts[3].lower() in PATRONYMIC_SUFFIXES:
        parts = [parts[0], parts[1], f"{_capitalised(parts[2])} {parts[3].lower()}"]
    if len(parts) < 2:
        return Refusal(
            "full_name.too_few",
            N_("Write both your surname and your name (and the patronymic if you have one), "
               "e.g. Иванов Иван Иванович."),
        )
    if len(parts) > 3:
        return Refusal(
            "full_name.too_many",
            N_("A full name has at most three parts: surname, name and patronymic; parts "
               "written: {count}. A double surname or name is joined with a hyphen, "
               "e.g. Римский-Корсаков."),
            {"count": len(parts)},
        )
    surname, name = _capitalised(parts[0]), _capitalised(parts[1])
    patronymic = None
    if len(parts) == 3:
        patronymic = parts[2] if " " in parts[2] else _capitalised(parts[2])
    return Accepted(FullName(surname, name, patronymic))


_MALE_PATRONYMIC = ("вич", "ич", "оглы", "улы", "uly", "ogly", "vich")
_FEMALE_PATRONYMIC = ("вна", "чна", "шна", "кызы", "гызы", "qizi", "vna")


def gender_by_patronymic(full_name: str) -> str | None:
    """"f" or "m" as a Russian (or Turkic) patronymic tells it, else None: the statistics' only
    source of gender, so that nothing but the name already given is used."""
    words = normalise_name_key(full_name).split()
    if len(words) < 3:
        return None
    # "Иван Петрович" and "Мамедов Али Гасан оглы": the ending is on the last word
    last = words[-1]
    if last.endswith(_FEMALE_PATRONYMIC):
        return "f"
    if last.endswith(_MALE_PATRONYMIC):
        return "m"
    return None
