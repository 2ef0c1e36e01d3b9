"""Importing the city's houses: the real 4,543, re-imports, and bad rows with line numbers."""
from __future__ import annotations

import pytest

from storage.house_import import HouseFileError, import_houses, read_unoms
from storage.repositories import HouseRepository, HouseRow
from tests.plugins.database import HOUSES_CSV

HEADER = "unom,address,okrug,district,lat,lon,for_pct,against_pct,status,general_meeting_protocol\n"


async def test_real_houses_import_once_and_update_on_reimport(sessions):
    async with sessions.begin() as session:
        first = await import_houses(session, HOUSES_CSV)
    assert (first.created, first.updated, first.errors) == (4543, 0, [])

    async with sessions.begin() as session:
        again = await import_houses(session, HOUSES_CSV)
    assert (again.created, again.updated, again.errors) == (0, 4543, [])

    async with sessions() as session:
        houses = HouseRepository(session)
        assert await houses.count() == 4543
        house = await houses.by_unom(1)
    assert house.address == "улица Егора Абакумова, дом 3"
    assert (house.okrug, house.district) == ("СВАО", "Ярославский")
    assert (house.official_for_pct, house.official_against_pct, house.official_status) == (93.0, 7.0, "included")
    assert house.official_meeting_protocol is False
    assert house.lat == pytest.approx(55.878117)
    assert house.search_form == "егора абакумова улица дом 3"


async def test_reimport_changes_a_house_in_place_and_keeps_flats_total(sessions, tmp_path):
    async with sessions.begin() as session:
        houses = HouseRepository(session)
        await houses.upsert_many([HouseRow(unom=7, address="улица Старая, дом 1", flats_total=120)])
    corrected = tmp_path / "corrected.csv"
    corrected.write_text(HEADER + '7,"улица Новая, дом 1",ЗАО,Кунцево,55.7,37.4,80,20,included,1\n', "utf-8")

    async with sessions.begin() as session:
        report = await import_houses(session, corrected)
    assert (report.created, report.updated) == (0, 1)

    async with sessions() as session:
        house = await HouseRepository(session).by_unom(7)
        assert await HouseRepository(session).count() == 1
    assert house.address == "улица Новая, дом 1"
    assert house.search_form == "новая улица дом 1"
    assert house.flats_total == 120  # the CSV has no such column: the known figure stays
    assert house.official_meeting_protocol is True


async def test_bad_rows_are_reported_by_line_and_the_rest_imported(sessions, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + '10,"улица Первая, дом 1",ЦАО,Арбат,55.75,37.59,,,,\n'  # line 2: fine
        + ',"улица Вторая, дом 2",ЦАО,Арбат,55.75,37.59,,,,\n'  # 3: no unom
        + '12x,"улица Третья, дом 3",ЦАО,Арбат,55.75,37.59,,,,\n'  # 4: not a number
        + "13,,ЦАО,Арбат,55.75,37.59,,,,\n"  # 5: no address
        + '14,"улица Пятая, дом 5",ЦАО,Арбат,north,37.59,,,,\n'  # 6: lat not a number
        + '15,"улица Шестая, дом 6",ЦАО,Арбат,55.75,237.59,,,,\n'  # 7: lon out of range
        + '"16","улица Седьмая,\nдом 7",ЦАО,Арбат,55.75,37.59,,,,\n'  # 8-9: quoted newline, fine
        + '10,"улица Первая, дом 1 повтор",ЦАО,Арбат,55.75,37.59,,,,\n'  # 10: repeats line 2
        + "17,too few\n",  # 11
        "utf-8",
    )
    async with sessions.begin() as session:
        report = await import_houses(session, bad)
    lines = [line for line, _ in report.errors]
    assert lines == [3, 4, 5, 6, 7, 10, 11]
    messages = dict(report.errors)
    assert "unom is missing" in messages[3]
    assert "'12x'" in messages[4]
    assert "address is empty" in messages[5]
    assert "lat must be a number" in messages[6]
    assert "lon must be between" in messages[7]
    assert "repeats line 2" in messages[10]
    assert report.created == 2
    async with sessions() as session:
        found = await HouseRepository(session).by_unoms([10, 16])
    assert sorted(found) == [10, 16]
    assert found[10].address == "улица Первая, дом 1"


async def test_semicolon_csv_with_bom_is_read(sessions, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("\ufeffUNOM;Address;lat;lon\n20;улица Кубинка, дом 12;55,71;37,39\n", "utf-8")
    async with sessions.begin() as session:
        report = await import_houses(session, path)
    assert (report.created, report.errors) == (1, [])
    async with sessions() as session:
        house = await HouseRepository(session).by_unom(20)
    assert house.lat == pytest.approx(55.71)


def test_a_file_without_the_unom_column_is_refused_as_a_whole(tmp_path):
    path = tmp_path / "houses.csv"
    path.write_text("id,address\n1,улица\n", "utf-8")
    with pytest.raises(HouseFileError, match="no column unom"):
        read_unoms(path)
    with pytest.raises(HouseFileError, match="no such file"):
        read_unoms(tmp_path / "absent.csv")
    (tmp_path / "latin1.csv").write_bytes("unom\n1\n\xe9".encode("latin-1"))
    with pytest.raises(HouseFileError, match="not UTF-8"):
        read_unoms(tmp_path / "latin1.csv")


def test_read_unoms_reports_bad_lines_and_drops_repeats(tmp_path):
    path = tmp_path / "poll.csv"
    path.write_text("unom,note\n1,a\n2,b\nx,c\n1,d\n", "utf-8")
    assert read_unoms(path) == ([1, 2], [(4, "unom must be a whole number, not 'x'")])


async def test_upsert_refuses_a_unom_given_twice(sessions):
    async with sessions() as session:
        with pytest.raises(ValueError, match="unom 5 is given twice"):
            await HouseRepository(session).upsert_many(
                [HouseRow(unom=5, address="a"), HouseRow(unom=5, address="b")]
            )
