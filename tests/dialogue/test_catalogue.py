"""Every text of the dialogue is in the catalogues: Russian translated, English present."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

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


def catalogue(language: str) -> dict[str, str]:
    with (ROOT / "locales" / language / "LC_MESSAGES" / "dialogue.po").open("rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_dialogue_text_is_in_the_catalogue(language):
    messages = dialogue_messages()
    assert len(messages) > 50
    entries = catalogue(language)
    missing = sorted(m for m in messages if not entries.get(m))
    assert not missing, f"{language}: not translated: {missing[:5]}"


def test_russian_texts_are_russian_and_keep_their_placeholders():
    import re

    for message, russian in catalogue("ru").items():
        if re.search(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>|\{[^}]+\}|/\w+|SNILS", "", message)):
            assert re.search("[А-Яа-яЁё]", russian), message
        assert sorted(re.findall(r"\{\w+\}", message)) == sorted(re.findall(r"\{\w+\}", russian)), message
