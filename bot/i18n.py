"""Message catalogues: one gettext domain per area of the product, merged per language.

Each area (validation, dialogue, notices, ...) keeps its own `bot/locales/<lang>/LC_MESSAGES/<area>.po`
so that areas evolve independently; here they are compiled in memory and merged. Nothing is
written next to the `.po` files: an installed package may sit in a read-only site-packages.
Message ids are the English texts; Russian is the default language of every message.
"""
from __future__ import annotations

import gettext
import string
from collections.abc import Callable, Iterator
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"


def _po_files(path: Path) -> Iterator[tuple[str, Path]]:
    """(language, .po file) for every area of every language, in a stable order."""
    for po_path in sorted(path.glob("*/LC_MESSAGES/*.po")):
        yield po_path.parent.parent.name, po_path


def read_catalogue(po_path: Path) -> Catalog:
    """One `.po` file; a syntax error raises babel's PoFileError instead of dropping the entry."""
    with po_path.open("rb") as source:
        return read_po(source, locale=po_path.parent.parent.name, domain=po_path.stem, abort_invalid=True)


def _translations(catalog: Catalog) -> gettext.GNUTranslations:
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def load_translations(path: Path = LOCALES_DIR) -> dict[str, gettext.GNUTranslations]:
    """All domains of each language merged into one translations object per language."""
    merged: dict[str, gettext.GNUTranslations] = {}
    for language, po_path in _po_files(path):
        translations = _translations(read_catalogue(po_path))
        if language in merged:
            # later domains extend the first one; a message id belongs to one area only
            merged[language]._catalog.update(translations._catalog)  # type: ignore[attr-defined]
        else:
            merged[language] = translations
    return merged


def check_catalogues(path: Path = LOCALES_DIR) -> list[str]:
    """What would go wrong when the catalogues are loaded, one line each; empty when all is well.

    Reports files that do not parse, {placeholders} or printf ones a translation breaks,
    entries left out (fuzzy) or untranslated, and a message id claimed by two areas of one language.
    """
    files = list(_po_files(path))
    if not files:
        return [f"{path}: no catalogues found"]
    problems: list[str] = []
    areas: dict[tuple[str, str], str] = {}  # (language, message id) → the area that has it
    for language, po_path in files:
        name = po_path.relative_to(path).as_posix()
        try:
            catalog = read_catalogue(po_path)
        except (PoFileError, ValueError, UnicodeDecodeError) as error:
            problems.append(f"{name}: {error}")
            continue
        for message in catalog:
            if not message.id:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                problems.append(f"{name}: {msgid!r} is marked fuzzy and would be left out")
            elif not all(strings):
                problems.append(f"{name}: {msgid!r} is not translated")
            elif any(_placeholders(text) != _placeholders(msgid) for text in strings):
                problems.append(f"{name}: {msgid!r}: the translation's {{placeholders}} differ")
            other = areas.setdefault((language, msgid), po_path.stem)
            if other != po_path.stem:
                problems.append(f"{name}: {msgid!r} is also in {language}/{other}.po")
        for message, errors in catalog.check():
            problems.extend(f"{name}: {message.id!r}: {error}" for error in errors)
    return problems


def _placeholders(text: str) -> set[str] | None:
    """The {names} a str.format text fills in; None when its braces do not even parse."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError:
        return None


def catalogues(path: Path = LOCALES_DIR, default_locale: str = DEFAULT_LANGUAGE) -> I18n:
    """aiogram's I18n over every domain of the product instead of a single one.

    Not a subclass: aiogram finds the current I18n through a context variable of the I18n class
    itself, which a subclass would not share.
    """
    i18n = I18n(path=path, default_locale=default_locale, domain="*")
    i18n.locales = load_translations(path)
    return i18n


@lru_cache(maxsize=None)
def _cached(path: Path) -> dict[str, gettext.GNUTranslations]:
    return load_translations(path)


def translator(language: str, path: Path = LOCALES_DIR) -> Callable[[str], str]:
    """A gettext function for one language, outside any update (workers, CLI, tests)."""
    translations = _cached(path).get(pick_language(language))
    return translations.gettext if translations else (lambda text: text)


def pick_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Maps a Telegram language_code ('en-GB', 'ru', None) onto a supported language."""
    if code:
        base = code.split("-")[0].split("_")[0].lower()
        if base in LANGUAGES:
            return base
    return default
