"""Every text of the dialogue is in the catalogues: Russian translated, English present."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, check_catalogues, load_translations

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("handlers", "services")
KEYWORDS = {"_": None, "N_": None}


def dialogue_messages() -> set[str]:
    found = set()
    for folder in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, keywords=KEYWORDS, comment_tags=()):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(language: str, *, without: tuple[str, ...] = ()) -> dict[str, str]:
    """Every area's texts of one language (each message id belongs to one area), but `without`."""
    entries: dict[str, str] = {}
    for po_path in sorted((LOCALES_DIR / language / "LC_MESSAGES").glob("*.po")):
        if po_path.stem in without:
            continue
        with po_path.open("rb") as source:
            entries.update({m.id: m.string for m in read_po(source) if m.id and isinstance(m.id, str)})
    return entries


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_dialogue_text_is_in_the_catalogue(language):
    messages = dialogue_messages()
    assert len(messages) > 50
    entries = catalogue(language)
    missing = sorted(m for m in messages if not entries.get(m))
    assert not missing, f"{language}: not translated: {missing[:5]}"


def test_russian_texts_are_russian_and_keep_their_placeholders():
    import re

    # the site's language switch names the other language in that language
    for message, russian in catalogue("ru", without=("web",)).items():
        if re.search(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>|\{[^}]+\}|/\w+|SNILS", "", message)):
            assert re.search("[А-Яа-яЁё]", russian), message
        assert sorted(re.findall(r"\{\w+\}", message)) == sorted(re.findall(r"\{\w+\}", russian)), message


def test_the_catalogues_check_clean_and_load_without_writing(tmp_path):
    """An installed package may be read-only: loading compiles in memory, beside the .po nothing appears."""
    assert check_catalogues() == []
    copy = tmp_path / "locales"
    for po in LOCALES_DIR.glob("*/LC_MESSAGES/*.po"):
        target = copy / po.relative_to(LOCALES_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(po.read_bytes())
    before = sorted(copy.rglob("*"))
    merged = load_translations(copy)
    assert sorted(copy.rglob("*")) == before
    assert merged["ru"].gettext("Flat") == "Квартира"


def test_a_broken_catalogue_is_reported_line_by_line(tmp_path):
    folder = tmp_path / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "one.po").write_text('msgid "Flat"\nmsgstr "Квартира"\n\nmsgid "Hello {name}"\nmsgstr "Привет {nam}"\n'
                                   '\nmsgid "Left"\nmsgstr ""\n', encoding="utf-8")
    (folder / "two.po").write_text('msgid "Flat"\nmsgstr "Квартира"\n', encoding="utf-8")
    problems = check_catalogues(tmp_path)
    assert problems == [
        "ru/LC_MESSAGES/one.po: 'Hello {name}': the translation's {placeholders} differ",
        "ru/LC_MESSAGES/one.po: 'Left' is not translated",
        "ru/LC_MESSAGES/two.po: 'Flat' is also in ru/one.po",
    ]
