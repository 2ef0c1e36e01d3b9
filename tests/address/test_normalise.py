"""The canonical search form: one form for the many ways of writing one address."""
from __future__ import annotations

import pytest

from verification.address import normalise_address


@pytest.mark.parametrize(("written", "registry"), [
    ("ул. Кубинка, д.12 к.3", "улица Кубинка, дом 12, корпус 3"),
    ("Кубинка ул 12к3", "улица Кубинка, дом 12, корпус 3"),
    ("КУБИНКА УЛИЦА Д 12 КОРП 3", "улица Кубинка, дом 12, корпус 3"),
    ("Щелковское ш., д. 14", "Щёлковское шоссе, дом 14"),
    ("Волгоградский пр-т, 150, к. 2", "Волгоградский проспект, дом 150, корпус 2"),
    ("б-р Генерала Карбышева д. 18 корп. 4", "бульвар Генерала Карбышева, дом 18, корпус 4"),
    ("Бакунинская ул. д77 стр3", "Бакунинская улица, дом 77, строение 3"),
    ("Онежская ул. 43/70", "Онежская улица, дом 43/70"),
    ("Базовская 24 б ул", "Базовская улица, дом 24Б"),
    ("3-я ул. Соколиной Горы д.12а", "3-я улица Соколиной Горы, дом 12А"),
])
def test_ways_of_writing_one_address_share_one_form(written: str, registry: str) -> None:
    assert normalise_address(written) == normalise_address(registry)


def test_the_form_is_lower_case_with_words_spelt_out() -> None:
    assert normalise_address("улица Кубинка, дом 12, корпус 3") == "кубинка улица дом 12 корпус 3"
    assert normalise_address("Щёлковское шоссе, дом 14") == "щелковское шоссе дом 14"


@pytest.mark.parametrize(("one", "other"), [
    ("улица Кубинка, дом 12, корпус 3", "улица Кубинка, дом 12, корпус 1"),
    ("Онежская улица, дом 43/70", "Онежская улица, дом 43"),
    ("Базовская улица, дом 24Б", "Базовская улица, дом 24"),
    ("3-я Парковая улица, дом 5", "5-я Парковая улица, дом 5"),
    ("Измайловский бульвар, дом 5", "Измайловский проезд, дом 5"),
])
def test_different_houses_keep_different_forms(one: str, other: str) -> None:
    assert normalise_address(one) != normalise_address(other)
