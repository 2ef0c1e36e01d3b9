"""Full name: what residents type, what is kept, and why the rest is refused."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verification.refusal import Accepted, Refusal
from verification.validators import FullName, normalise_name_key, validate_full_name


@pytest.mark.parametrize(
    ("typed", "surname", "name", "patronymic"),
    [
        ("Иванов Иван Иванович", "Иванов", "Иван", "Иванович"),
        ("иванов иван", "Иванов", "Иван", None),
        ("  ИВАНОВ   ИВАН\tИВАНОВИЧ ", "Иванов", "Иван", "Иванович"),
        ("римский-корсаков николай андреевич", "Римский-Корсаков", "Николай", "Андреевич"),
        ("Римский - Корсаков Николай", "Римский-Корсаков", "Николай", None),
        ("Римский–Корсаков Николай", "Римский-Корсаков", "Николай", None),  # en dash from a phone
        ("Петрова анна-мария", "Петрова", "Анна-Мария", None),
        ("Ёлкин Пётр Семёнович", "Ёлкин", "Пётр", "Семёнович"),
        ("ёлкина алёна", "Ёлкина", "Алёна", None),
        ("Мамедов Рашид Ахмед оглы", "Мамедов", "Рашид", "Ахмед оглы"),
        ("алиева лейла рашид кызы", "Алиева", "Лейла", "Рашид кызы"),
        ("О Сергей", "О", "Сергей", None),  # a one-letter Korean surname is real
        ("Иванов Ии\u0306 ", "Иванов", "Ий", None),  # й typed as и + combining breve
    ],
)
def test_accepts_and_normalises(typed: str, surname: str, name: str, patronymic: str | None) -> None:
    assert validate_full_name(typed) == Accepted(FullName(surname, name, patronymic))


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "full_name.empty"),
        ("   ", "full_name.empty"),
        ("Иванов", "full_name.too_few"),
        ("Иванов Иван Иванович Петров", "full_name.too_many"),
        ("Иванов Иван Иванович Петров Сидоров", "full_name.too_many"),
        ("Иванов2 Иван", "full_name.digits"),
        ("Иванов Иван 3", "full_name.digits"),
        ("Ivanov Ivan", "full_name.latin"),
        ("Ивaнов Иван", "full_name.latin"),  # Latin "a" hidden in a Cyrillic word
        ("Иванов И. И.", "full_name.initials"),
        ("Иванов И.И.", "full_name.initials"),
        ("Иванов, Иван", "full_name.symbols"),
        ("Иванов Иван!", "full_name.symbols"),
        ("Іванов Іван", "full_name.symbols"),  # Ukrainian і is not in a Russian passport
        ("Иванов Иван\u200b", "full_name.symbols"),
        ("-Иванов Иван", "full_name.hyphen"),
        ("Иванов-- Иван", "full_name.hyphen"),
        ("Иванов Иван-", "full_name.hyphen"),
        ("Иванов " + "И" * 130, "full_name.too_long"),
    ],
)
def test_refuses_with_reason(typed: str, code: str) -> None:
    result = validate_full_name(typed)
    assert isinstance(result, Refusal)
    assert result.code == code


def test_refusal_names_the_offending_symbol_and_count() -> None:
    comma = validate_full_name("Иванов, Иван")
    assert isinstance(comma, Refusal) and "«,»" in comma.render()
    invisible = validate_full_name("Иванов\u200bИван Петрович")
    assert isinstance(invisible, Refusal) and "U+200B" in invisible.render()
    four = validate_full_name("Иванов Иван Иванович Петров")
    assert isinstance(four, Refusal) and "4" in four.render()


def test_str_reads_like_a_passport() -> None:
    assert str(FullName("Иванов", "Иван", "Иванович")) == "Иванов Иван Иванович"
    assert str(FullName("Иванов", "Иван", None)) == "Иванов Иван"


def test_full_name_is_immutable() -> None:
    person = FullName("Иванов", "Иван")
    with pytest.raises(AttributeError):
        person.surname = "Петров"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Ёлкин Пётр", "елкин петр"),
        ("Римский-Корсаков Николай", "римский корсаков  николай"),
        ("Римский—Корсаков Николай", "РИМСКИЙ-КОРСАКОВ НИКОЛАЙ"),
        ("  Иванов\tИван ", "иванов иван"),
    ],
)
def test_name_key_ignores_case_yo_hyphens_and_spaces(one: str, other: str) -> None:
    assert normalise_name_key(one) == normalise_name_key(other)


def test_name_key_still_tells_different_people_apart() -> None:
    assert normalise_name_key("Иванов Иван") != normalise_name_key("Иванова Иван")
    assert normalise_name_key("Иванов Иван") == "иванов иван"


russian_word = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюя", min_size=1, max_size=12)


gap = st.sampled_from([" ", "  ", "\t", "\u00a0"])


@given(words=st.lists(russian_word, min_size=2, max_size=3), lead=gap, between=gap, trail=gap)
def test_any_russian_name_is_accepted_and_capitalised(
    words: list[str], lead: str, between: str, trail: str
) -> None:
    typed = lead + between.join(word.upper() for word in words) + trail
    result = validate_full_name(typed)
    assert isinstance(result, Accepted)
    assert str(result.value) == " ".join(word[0].upper() + word[1:] for word in words)
    # accepting the normalised form again changes nothing
    assert validate_full_name(str(result.value)) == result
