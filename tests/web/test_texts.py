"""Every text of the site is in its catalogue, Russian first; the reader's language is picked right."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from bot.i18n import LOCALES_DIR, check_catalogues, read_catalogue
from web.language import Texts, preferred

WEB = Path(__file__).resolve().parents[2] / "web"


def site_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            WEB, method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")],
            keywords={"_": None, "N_": None, "texts": None}, comment_tags=()):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_text_of_the_site_is_in_the_web_catalogue(language):
    messages = site_messages()
    assert len(messages) > 80
    entries = {m.id: m.string for m in read_catalogue(LOCALES_DIR / language / "LC_MESSAGES" / "web.po") if m.id}
    assert sorted(m for m in messages if not entries.get(m)) == []
    assert sorted(set(entries) - messages) == []  # nothing left over from texts that are gone
    if language == "ru":
        english_only = [m for m, ru in entries.items() if not re.search("[А-Яа-яЁё]", ru)
                        and m != "Language switch: the other language"]
        assert english_only == []
    assert check_catalogues() == []


def test_a_text_fills_in_its_values_and_numbers_read_as_the_language_writes_them():
    russian, english = Texts("ru"), Texts("en")
    assert russian("Houses found: {found}", found=3) == "Найдено домов: 3"
    assert english("Houses found: {found}", found=3) == "Houses found: 3"
    assert russian.number(12345.678) == "12\xa0345,68" and english.number(12345.678) == "12,345.68"
    assert russian.percent(None) == "—"


@pytest.mark.parametrize(("header", "language"), [
    ("", "ru"), ("en", "en"), ("en-GB,en;q=0.9", "en"), ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
    ("de-DE,de;q=0.9,en;q=0.5", "en"), ("fr", "ru"), ("en;q=0.2,ru;q=0.8", "ru"), ("en;q=abc", "ru"),
    ("*", "ru"),
])
def test_the_browsers_preference_picks_the_language(header, language):
    assert preferred(header) == language
