"""Breakdowns of ballots: age bands, the cells' order, Moscow days and hours, the nested lines of
districts and houses, the JSON the site serves, and what is refused."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from counting.breakdowns import (AGE_BANDS, Dimension, VoterRecord, age_band, breakdown, tabulate,
                                 turnout_share)
from counting.disclosure import Reason, Suppressed

MAY_15 = datetime(2017, 5, 15, 9, tzinfo=timezone.utc)  # 12:00 in Moscow


def record(**changes: Any) -> VoterRecord:
    fields: dict[str, Any] = dict(okrug="ЦАО", district="Арбат", unom=1, age_band="35–44", gender="f",
                                  cast_at=MAY_15, channel="telegram", status="counted", yes=True)
    fields.update(changes)
    return VoterRecord(**fields)


def many(n: int, **changes: Any) -> list[VoterRecord]:
    return [record(**changes) for _ in range(n)]


def keys(result: Any) -> list[Any]:
    return [cell.key for cell in result.cells]


@pytest.mark.parametrize(("birth", "on", "band"), [
    (date(2000, 5, 16), date(2018, 5, 15), None),  # 18 tomorrow
    (date(2000, 5, 15), date(2018, 5, 15), "18–24"),  # 18 today
    (date(1993, 5, 16), date(2018, 5, 15), "18–24"),  # 25 tomorrow
    (date(1993, 5, 15), date(2018, 5, 15), "25–34"),
    (date(1959, 1, 1), date(2018, 12, 31), "45–59"),  # 59 until the year's last day
    (date(1944, 2, 29), date(2019, 2, 28), "60–74"),  # born on 29 February: 75 only on 1 March
    (date(1944, 2, 29), date(2019, 3, 1), "75+"),
    (date(1920, 1, 1), date(2017, 1, 1), "75+"),
])
def test_age_band_by_birthday(birth: date, on: date, band: str | None) -> None:
    assert age_band(birth, on) == band


def test_age_cells_are_every_band_in_order_then_unknown_and_add_up() -> None:
    records = many(12, age_band="60–74") + many(11, age_band="18–24", yes=False) + many(10, age_band=None)
    result = breakdown(records, Dimension.AGE, results=True)
    assert keys(result) == [*AGE_BANDS, "unknown"]
    by_key = {cell.key: cell for cell in result.cells}
    assert (by_key["60–74"].ballots, by_key["60–74"].counted) == (12, 12)
    assert by_key["60–74"].yes == Suppressed(Reason.UNANIMOUS, 10)  # 12 of 12 for: too few to show
    assert (by_key["18–24"].ballots, by_key["18–24"].counted) == (11, 11)
    assert by_key["unknown"].ballots == 10
    # a band nobody of voted in is a cell too, hidden like a small one: 0 is fewer than k
    assert by_key["75+"].ballots == Suppressed(Reason.SMALL, 10)
    assert (result.total.ballots, result.total.counted, result.total.yes, result.total.no) == (33, 33, 22, 11)


def test_no_unknown_cell_when_everyone_is_known() -> None:
    result = breakdown(many(10, gender="m"), Dimension.GENDER, results=False)
    assert keys(result) == ["f", "m"]


def test_houses_sort_by_number_and_districts_by_name() -> None:
    records = (many(10, unom=10) + many(10, unom=9) + many(10, unom=100, district="Якиманка")
               + many(10, unom=20, district="Басманный"))
    assert keys(breakdown(records, Dimension.HOUSE, results=False)) == ["9", "10", "20", "100"]
    assert keys(breakdown(records, Dimension.DISTRICT, results=False)) == ["Арбат", "Басманный", "Якиманка"]


def test_days_and_hours_are_moscow_time_and_a_day_without_ballots_still_shows() -> None:
    late = datetime(2017, 5, 15, 21, 30, tzinfo=timezone.utc)  # 00:30 on 16 May in Moscow
    records = many(10, cast_at=late) + many(10, cast_at=late + timedelta(days=2))
    days = breakdown(records, Dimension.DAY, results=False)
    assert keys(days) == ["2017-05-16", "2017-05-17", "2017-05-18"]
    # the empty day is hidden (that nobody voted is not shown either), so one of the two equal
    # days is hidden with it: the earlier, by key
    assert [cell.ballots for cell in days.cells] == [Suppressed(Reason.COMPLEMENTARY, 10),
                                                     Suppressed(Reason.SMALL, 10), 10]
    hours = breakdown(records, Dimension.HOUR, results=False)
    assert keys(hours) == [f"{hour:02d}" for hour in range(24)]
    assert hours.cells[0].ballots == 20
    assert all(isinstance(cell.ballots, Suppressed) for cell in hours.cells[1:])


def test_the_age_gender_table_has_a_cell_for_every_pair_in_row_order() -> None:
    records = many(10, gender="m", age_band="18–24") + many(10, gender=None, age_band="75+")
    result = breakdown(records, Dimension.AGE_GENDER, results=False)
    assert keys(result)[:3] == [("18–24", "f"), ("18–24", "m"), ("18–24", "unknown")]
    assert len(result.cells) == len(AGE_BANDS) * 3
    assert result.as_json()["cells"][1]["key"] == ["18–24", "m"]


def test_a_district_alone_in_its_okrug_line_is_covered_within_the_okrug() -> None:
    # over the city two districts are hidden, but within ЦАО one: ЦАО's total (published in the
    # okrug breakdown) minus Арбат would give Басманный back, so Арбат is hidden too
    records = (many(40, district="Арбат") + many(3, district="Басманный", unom=2)
               + many(30, okrug="САО", district="Аэропорт", unom=3)
               + many(4, okrug="САО", district="Беговой", unom=4)
               + many(50, okrug="САО", district="Сокол", unom=5))
    result = breakdown(records, Dimension.DISTRICT, results=False)
    shown = {cell.key: cell.ballots for cell in result.cells}
    assert shown["Басманный"] == Suppressed(Reason.SMALL, 10)
    assert shown["Арбат"] == Suppressed(Reason.COMPLEMENTARY, 10)
    assert shown["Беговой"] == Suppressed(Reason.SMALL, 10)
    assert shown["Аэропорт"] == Suppressed(Reason.COMPLEMENTARY, 10)  # the smaller of САО's other two
    assert shown["Сокол"] == 50
    lines = tabulate(records, Dimension.DISTRICT).lines
    assert sorted(map(len, lines)) == [2, 3]


def test_houses_are_covered_within_their_district() -> None:
    records = many(30, unom=1) + many(30, unom=2) + many(5, unom=3, district="Басманный") + \
        many(25, unom=4, district="Басманный")
    result = breakdown(records, Dimension.HOUSE, results=False)
    assert [cell.ballots for cell in result.cells] == [30, 30, Suppressed(Reason.SMALL, 10),
                                                       Suppressed(Reason.COMPLEMENTARY, 10)]


def test_json_shows_hidden_numbers_as_below_k_with_the_reason() -> None:
    records = many(30, channel="telegram") + many(3, channel="paper")
    result = breakdown(records, "channel", results=True, threshold=12)
    data = json.loads(json.dumps(result.as_json(), ensure_ascii=False))
    assert data["dimension"] == "channel" and data["threshold"] == 12 and data["unanimous_below"] == 24
    telegram, paper = data["cells"]
    assert paper == {"key": "paper", "ballots": "< 12", "counted": "< 12", "yes": "< 12", "no": "< 12",
                     "suppressed": {"ballots": "small", "counted": "small", "yes": "small", "no": "small"}}
    # telegram's turnout is hidden too (the total minus it would give paper's); 30 yes is unanimous
    assert telegram["ballots"] == "< 12" and telegram["suppressed"]["ballots"] == "complementary"
    assert data["total"]["ballots"] == 33
    assert data["total"]["yes"] == 33  # 33 counted all yes is not small: ≥ 2·k


def test_during_voting_results_are_left_out_entirely() -> None:
    records = many(15, yes=True) + many(15, yes=False, gender="m")
    result = breakdown(records, Dimension.GENDER, results=False)
    assert all(cell.yes is None and cell.no is None for cell in [*result.cells, result.total])
    text = json.dumps(result.as_json())
    assert '"yes"' not in text and '"no"' not in text
    assert result.as_json()["cells"][0] == {"key": "f", "ballots": 15, "counted": 15}


def test_pending_and_rejected_ballots_count_in_turnout_not_in_results() -> None:
    records = many(20, yes=True) + many(12, yes=False) + many(5, status="pending", yes=None) + \
        many(4, status="rejected", yes=None)
    total = breakdown(records, Dimension.GENDER, results=True).total
    assert (total.ballots, total.counted, total.yes, total.no) == (41, 32, 20, 12)


def test_records_may_come_as_an_iterator() -> None:
    records = many(10) + many(10, gender="m")
    assert breakdown(iter(records), Dimension.GENDER, results=True) == \
        breakdown(records, Dimension.GENDER, results=True)


@pytest.mark.parametrize(("changes", "message"), [
    ({"age_band": "18-24"}, "unknown age band"),  # a hyphen, not the en dash
    ({"gender": "x"}, "unknown gender"),
    ({"status": "superseded"}, "unknown ballot status"),
    ({"yes": None}, "no choice"),
    ({"cast_at": datetime(2017, 5, 15, 12)}, "timezone-aware"),
])
def test_bad_records_are_refused(changes: dict[str, Any], message: str) -> None:
    dimension = {"age_band": Dimension.AGE_GENDER, "gender": Dimension.GENDER,
                 "cast_at": Dimension.HOUR}.get(next(iter(changes)), Dimension.CHANNEL)
    with pytest.raises(ValueError, match=message):
        breakdown(many(10) + many(1, **changes), dimension, results=True)


def test_a_district_in_two_okrugs_is_refused() -> None:
    with pytest.raises(ValueError, match="Арбат"):
        breakdown(many(10) + many(10, okrug="САО"), Dimension.DISTRICT, results=False)


def test_turnout_share_needs_a_shown_number_and_a_denominator() -> None:
    assert turnout_share(45, 100) == 0.45
    assert turnout_share(Suppressed(Reason.SMALL, 10), 100) is None
    assert turnout_share(45, None) is None and turnout_share(45, 0) is None
