"""Every refusal reads in Russian and in English: the validation catalogue is complete."""
from __future__ import annotations

import ast
import re
import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, translator
from verification.levels import Field
from verification.refusal import Refusal
from verification.validators import validate

SOURCES = sorted((Path(__file__).resolve().parents[2] / "verification" / "validators").glob("*.py"))
TODAY = date(2025, 6, 1)
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)

# One typed answer per refusal code: rendering each shows the resident's view of every reason.
EXAMPLES: dict[str, tuple[Field, str]] = {
    "full_name.empty": (Field.FULL_NAME, " "),
    "full_name.digits": (Field.FULL_NAME, "Иванов 1"),
    "full_name.initials": (Field.FULL_NAME, "Иванов И. И."),
    "full_name.latin": (Field.FULL_NAME, "Ivanov Ivan"),
    "full_name.symbols": (Field.FULL_NAME, "Иванов; Иван"),
    "full_name.too_long": (Field.FULL_NAME, "Иванов " + "и" * 200),
    "full_name.hyphen": (Field.FULL_NAME, "Иванов- Иван-"),
    "full_name.too_few": (Field.FULL_NAME, "Иванов"),
    "full_name.too_many": (Field.FULL_NAME, "А Б В Г Д"),
    "birth_date.empty": (Field.BIRTH_DATE, ""),
    "birth_date.format": (Field.BIRTH_DATE, "вчера"),
    "birth_date.short_year": (Field.BIRTH_DATE, "1.2.85"),
    "birth_date.impossible": (Field.BIRTH_DATE, "30.02.1990"),
    "birth_date.month_first": (Field.BIRTH_DATE, "12/25/1954"),
    "birth_date.month_name": (Field.BIRTH_DATE, "6 брюмера 1954"),
    "birth_date.future": (Field.BIRTH_DATE, "01.01.2099"),
    "birth_date.too_early": (Field.BIRTH_DATE, "01.01.1899"),
    "birth_date.too_young": (Field.BIRTH_DATE, "01.01.2015"),
    "passport.empty": (Field.PASSPORT, ""),
    "passport.characters": (Field.PASSPORT, "45 02 5734B2"),
    "passport.length": (Field.PASSPORT, "45 02"),
    "passport.region": (Field.PASSPORT, "02 02 573482"),
    "passport.year": (Field.PASSPORT, "45 96 573482"),
    "passport.number": (Field.PASSPORT, "4502 000000"),
    "snils.empty": (Field.SNILS, ""),
    "snils.characters": (Field.SNILS, "112.233.445 95"),
    "snils.length": (Field.SNILS, "112-233"),
    "snils.repeated": (Field.SNILS, "555-555-555 55"),
    "snils.checksum": (Field.SNILS, "112-233-445 94"),
    "fls.empty": (Field.FLS, ""),
    "fls.characters": (Field.FLS, "12345678x0"),
    "fls.length": (Field.FLS, "12345"),
    "flat.empty": (Field.FLAT, ""),
    "flat.format": (Field.FLAT, "двенадцать"),
    "flat.zero": (Field.FLAT, "0"),
    "flat.too_long": (Field.FLAT, "100000"),
    "flat.letter": (Field.FLAT, "12b"),
    "property_document.empty": (Field.PROPERTY_DOCUMENT, ""),
    "property_document.cadastral": (Field.PROPERTY_DOCUMENT, "77:01:1"),
    "property_document.record": (Field.PROPERTY_DOCUMENT, "77/77"),
    "property_document.record_year": (Field.PROPERTY_DOCUMENT, "77-77-05/001/2020-1"),
    "property_document.latin": (Field.PROPERTY_DOCUMENT, "77 AB 123456"),
    "property_document.certificate": (Field.PROPERTY_DOCUMENT, "77 АБ 1"),
    "property_document.format": (Field.PROPERTY_DOCUMENT, "не помню"),
}


def _calls(name: str) -> list[ast.Call]:
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
                found.append(node)
    return found


def marked_messages() -> set[str]:
    """Every N_("...") message id in the validators' source."""
    messages = set()
    for call in _calls("N_"):
        argument = call.args[0]
        assert isinstance(argument, ast.Constant) and isinstance(argument.value, str), ast.dump(call)
        messages.add(argument.value)
    return messages


def refusal_codes() -> set[str]:
    return {call.args[0].value for call in _calls("Refusal") if isinstance(call.args[0], ast.Constant)}


def catalogue(language: str) -> dict[str, str]:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "validation.po").open("rb") as source:
        return {message.id: message.string for message in read_po(source) if message.id}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_source_scan_finds_the_messages() -> None:
    assert len(marked_messages()) >= 40
    assert "snils.checksum" in refusal_codes()


def test_every_message_is_translated_to_russian() -> None:
    russian = catalogue("ru")
    missing = sorted(marked_messages() - russian.keys())
    assert not missing, missing
    for message in marked_messages():
        translated = russian[message]
        assert translated and translated != message, message
        assert len(CYRILLIC.findall(translated)) > len(translated) // 3, message
        assert placeholders(translated) == placeholders(message), message


def test_english_catalogue_mirrors_the_message_ids() -> None:
    english = catalogue("en")
    assert marked_messages() <= english.keys()
    assert all(english[message] == message for message in marked_messages())


def test_catalogues_hold_no_stale_messages() -> None:
    assert set(catalogue("ru")) == marked_messages() == set(catalogue("en"))


def test_every_refusal_code_has_an_example() -> None:
    assert set(EXAMPLES) == refusal_codes()


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_refusal_reads_in_russian_and_english(code: str) -> None:
    field, typed = EXAMPLES[code]
    refusal = validate(field, typed, today=TODAY)
    assert isinstance(refusal, Refusal)
    assert refusal.code == code
    russian, english = refusal.render(translator("ru")), refusal.render(translator("en"))
    assert russian != english
    assert len(CYRILLIC.findall(russian)) > len(russian) // 3
    assert english == refusal.render()
    for text in (russian, english):
        assert "{" not in text and "}" not in text
