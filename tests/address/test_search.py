"""A resident types their address however they like and finds their house first."""
from __future__ import annotations

import pytest

from verification.address import AddressIndex, AddressMatch, HouseEntry

# (what a resident types, the house that must come first)
FINDS_FIRST = [
    ("Кубинка 12 к3", "улица Кубинка, дом 12, корпус 3"),
    ("улица Кубинка, дом 12, корпус 3", "улица Кубинка, дом 12, корпус 3"),
    ("ул. Кубинка, д. 12, корп. 1", "улица Кубинка, дом 12, корпус 1"),
    ("ул.Кубинка,д.12,к.2", "улица Кубинка, дом 12, корпус 2"),
    ("КУБИНКА Д12К3", "улица Кубинка, дом 12, корпус 3"),
    ("кубинка ул 12 корпус 3", "улица Кубинка, дом 12, корпус 3"),
    # ё typed as е, and the other way round
    ("Щелковское ш 14", "Щёлковское шоссе, дом 14"),
    ("улица Мневники 18", "улица Мнёвники, дом 18"),
    ("Кашенкин луг 1", "улица Кашёнкин Луг, дом 1"),
    ("проспект Будённого, д. 20, корп. 1", "проспект Будённого, дом 20, корпус 1"),
    # abbreviated street types
    ("Волгоградский пр-т 150 к2", "Волгоградский проспект, дом 150, корпус 2"),
    ("Буденного просп 20 к1", "проспект Будённого, дом 20, корпус 1"),
    ("Врачебный пр-д 7 стр 1", "Врачебный проезд, дом 7, строение 1"),
    ("б-р Маршала Рокоссовского д 12", "бульвар Маршала Рокоссовского, дом 12"),
    ("Карамышевская наб 12", "Карамышевская набережная, дом 12"),
    ("Шепелюгинский пер 7", "Шепелюгинский переулок, дом 7"),
    ("Измайловский пр-д 20 к2", "Измайловский проезд, дом 20, корпус 2"),
    # street type left out
    ("Волгоградский 150 к2", "Волгоградский проспект, дом 150, корпус 2"),
    ("Рокоссовского 12", "бульвар Маршала Рокоссовского, дом 12"),
    ("Маршала Жукова 20к3", "проспект Маршала Жукова, дом 20, корпус 3"),
    ("Шепелюгинская 8", "Шепелюгинская улица, дом 8"),
    # corner numbers and ranges, whole or by the first number
    ("Онежская 43/70", "Онежская улица, дом 43/70"),
    ("Онежская 43", "Онежская улица, дом 43/70"),
    ("Доброслободская 11-13", "Доброслободская улица, дом 11-13"),
    ("Б. Академическая 59/1 корп Б", "Большая Академическая улица, дом 59/1, корпус Б"),
    # house letters, joined or apart, any case
    ("проспект Мира 135а", "проспект Мира, дом 135А"),
    ("Базовская 24 Б", "Базовская улица, дом 24Б"),
    ("Булатниковский 2вк4", "Булатниковский проезд, дом 2В, корпус 4"),
    ("9-я Парковая 57 к3а", "9-я Парковая улица, дом 57, корпус 3А"),
    ("9я парковая 57 к 3", "9-я Парковая улица, дом 57, корпус 3"),
    ("Бакунинская 77с3", "Бакунинская улица, дом 77, строение 3"),
    # typos in the street words
    ("Кубнка 12к3", "улица Кубинка, дом 12, корпус 3"),
    ("Волгогрдаский 150 к2", "Волгоградский проспект, дом 150, корпус 2"),
    ("лтчика бабушкина 33 к4", "улица Лётчика Бабушкина, дом 33, корпус 4"),
    ("Антонва Овсеенко 5 к6 с2", "улица Антонова-Овсеенко, дом 5, корпус 6, строение 2"),
    ("Нарофоминская 10", "Наро-Фоминская улица, дом 10"),
    ("Щелквское шоссе 14", "Щёлковское шоссе, дом 14"),
    # settlements: full prefix, part of it, or none
    ("поселение Михайлово-Ярцевское, посёлок Армейский, дом 11",
     "поселение Михайлово-Ярцевское, посёлок Армейский, дом 11"),
    ("пос. Армейский д. 11", "поселение Михайлово-Ярцевское, посёлок Армейский, дом 11"),
    ("Армейский 11", "поселение Михайлово-Ярцевское, посёлок Армейский, дом 11"),
    ("Птичное Центральная 17",
     "поселение Первомайское, посёлок Птичное, Центральная улица, дом 17"),
    ("Центральная ул 17", "Центральная улица, дом 17"),
    ("ул Труда 1", "поселение Кокошкино, дачный посёлок Кокошкино, улица Труда, дом 1"),
    ("Зеленоград к. 1810", "город Зеленоград, корпус 1810"),
    ("Зеленоград 1810", "город Зеленоград, корпус 1810"),
    ("г. Зеленоград, ул. Вторая Пятилетка, 4", "город Зеленоград, улица Вторая Пятилетка, дом 4"),
    ("Грайвороново 90а к8", "квартал Грайвороново 90а, корпус 8"),
    ("Щербинка 40 лет Октября 1", "город Щербинка, улица 40 лет Октября, дом 1"),
    ("пр-т 40 лет Октября 12/10", "проспект 40 лет Октября, дом 12/10"),
]


@pytest.mark.parametrize(("typed", "expected"), FINDS_FIRST)
def test_the_typed_address_comes_first(index: AddressIndex, by_address: dict[str, HouseEntry],
                                       typed: str, expected: str) -> None:
    found = index.search(typed)
    assert found, f"nothing found for {typed!r}"
    assert found[0].address == expected
    assert found[0].house_id == by_address[expected].house_id
    assert found[0].district == by_address[expected].district


def test_the_exact_corpus_beats_its_neighbours(index: AddressIndex) -> None:
    found = index.search("Кубинка 12 к3")
    assert [m.address for m in found[:1]] == ["улица Кубинка, дом 12, корпус 3"]
    others = [m for m in found[1:] if m.address.startswith("улица Кубинка, дом 12,")]
    assert others, "the other corpora of дом 12 should follow"
    assert all(m.score < found[0].score for m in others)


def test_a_full_address_scores_100_and_others_less(index: AddressIndex) -> None:
    found = index.search("улица Кубинка, дом 12, корпус 3")
    assert found[0].score == 100.0
    assert all(0 <= m.score < 100 for m in found[1:])
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def test_a_house_the_poll_lacks_is_not_claimed_exactly(index: AddressIndex) -> None:
    found = index.search("Кубинка 999")
    assert all("Кубинка" in m.address for m in found)
    assert all(m.score < 90 for m in found)


def test_at_most_limit_results(index: AddressIndex) -> None:
    assert len(index.search("Волгоградский проспект")) == 5
    assert len(index.search("Волгоградский проспект", limit=2)) == 2
    assert index.search("Волгоградский проспект", limit=0) == []


@pytest.mark.parametrize("junk", [
    "", "   ", "qwerty", "12", "12к3", "дом 5", "ул 12", "улица", "москва", "!!!", "йцукен",
    "привет", "мама мыла раму", "test 123", "кот", "Тверская 5", "Арбат 10", "Красная площадь 1",
])
def test_junk_and_unknown_streets_find_nothing(index: AddressIndex, junk: str) -> None:
    assert index.search(junk) == []


def test_only_houses_of_the_poll_are_returned(houses: list[HouseEntry]) -> None:
    poll = [house for house in houses if house.district == "Ярославский"]
    index = AddressIndex.build(poll)
    ids = {house.house_id for house in poll}
    assert len(index) == len(poll)
    assert all(house.house_id in index for house in poll)
    assert not any(house.house_id in index for house in houses if house.house_id not in ids)
    # The poll's own house is found, and a house of another district is not offered.
    assert index.search("Егора Абакумова 3")[0].address == "улица Егора Абакумова, дом 3"
    for typed in ("Кубинка 12 к3", "Волгоградский 150 к2", "Егора Абакумова 5"):
        assert all(match.house_id in ids for match in index.search(typed))
    assert index.search("Кубинка 12 к3") == []


def test_a_house_left_out_of_the_poll_is_never_offered(houses: list[HouseEntry]) -> None:
    left_out = next(h for h in houses if h.address == "улица Кубинка, дом 12, корпус 3")
    index = AddressIndex.build(h for h in houses if h is not left_out)
    found = index.search("Кубинка 12 к3")
    assert left_out.house_id not in index
    assert found and all(m.house_id != left_out.house_id for m in found)
    assert found[0].address.startswith("улица Кубинка, дом 12, корпус")
    assert found[0].score < 100


def test_a_house_listed_twice_is_refused() -> None:
    twice = [HouseEntry(1, "улица Кубинка, дом 12", "Можайский"),
             HouseEntry(1, "улица Кубинка, дом 14", "Можайский")]
    with pytest.raises(ValueError, match="house 1"):
        AddressIndex.build(twice)


def test_an_empty_poll_finds_nothing() -> None:
    index = AddressIndex.build([])
    assert len(index) == 0
    assert index.search("Кубинка 12 к3") == []


def test_matches_are_plain_values(index: AddressIndex) -> None:
    match = index.search("Кубинка 12 к3")[0]
    assert isinstance(match, AddressMatch)
    assert match == AddressMatch(match.house_id, match.address, match.district, match.score)
