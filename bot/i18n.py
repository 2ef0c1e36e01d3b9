"""Message catalogues: one gettext domain per area of the product, merged per language.

Each area (validation, dialogue, notices, ...) keeps its own `locales/<lang>/LC_MESSAGES/<area>.po`
so that areas evolve independently; here they are compiled to `.mo` when stale and merged.
Message ids are the English texts; Russian is the default language of every message.
"""
from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"


def compile_catalogues(path: Path = LOCALES_DIR) -> list[Path]:
    """Compiles every `.po` whose `.mo` is missing or older; returns the files written."""
    written = []
    for po_path in sorted(path.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as target:
            write_mo(target, catalog)
        written.append(mo_path)
    return written


def load_translations(path: Path = LOCALES_DIR) -> dict[str, gettext.GNUTranslations]:
    """All domains of each language merged into one translations object per language."""
    compile_catalogues(path)
    merged: dict[str, gettext.GNUTranslations] = {}
    for language_dir in sorted(p for p in path.iterdir() if p.is_dir()):
        for mo_path in sorted((language_dir / "LC_MESSAGES").glob("*.mo")):
            with mo_path.open("rb") as fp:
                translations = gettext.GNUTranslations(fp)
            if language_dir.name in merged:
                # later domains extend the first one; a message id belongs to one area only
                merged[language_dir.name]._catalog.update(translations._catalog)  # type: ignore[attr-defined]
            else:
                merged[language_dir.name] = translations
    return merged


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
