"""Charts of a breakdown: a PNG comes out, and a hidden cell is drawn without its number."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from counting.breakdowns import Breakdown, Dimension, VoterRecord, breakdown
from services.stats_charts import MAX_BARS, Bar, Segment, breakdown_png, chart_bars, draw

LABELS = {"suppressed": "< 10", "yes": "за", "no": "против", "ballots": "бюллетени", "f": "женщины"}
PNG = b"\x89PNG\r\n\x1a\n"


def record(**changes: Any) -> VoterRecord:
    fields: dict[str, Any] = dict(okrug="ЦАО", district="Арбат", unom=1, age_band="35–44", gender="f",
                                  cast_at=datetime(2017, 5, 15, 9, tzinfo=timezone.utc), channel="telegram",
                                  status="counted", yes=True)
    fields.update(changes)
    return VoterRecord(**fields)


def by_gender(results: bool) -> Breakdown:
    # women: 31 for, 12 against; men: 27 for, 15 against; unknown: 7 (hidden), which hides the
    # men's cell too (the smaller other)
    records = ([record()] * 31 + [record(yes=False)] * 12 + [record(gender="m")] * 27
               + [record(gender="m", yes=False)] * 15 + [record(gender=None)] * 7)
    return breakdown(records, Dimension.GENDER, results=results)


@pytest.mark.parametrize("results", [True, False])
def test_the_chart_is_a_png(results: bool) -> None:
    assert breakdown_png(by_gender(results), title="Пол", labels=LABELS).startswith(PNG)


def test_turnout_bars_show_shown_numbers_and_hide_hidden_ones() -> None:
    women, men, unknown = chart_bars(by_gender(False), LABELS)
    assert women == Bar("женщины", (Segment("ballots", 43),), "43")
    hidden = (Segment("suppressed", 10),)  # the threshold's length, whatever the cell holds
    assert men == Bar("m", hidden, "< 10") and unknown == Bar("unknown", hidden, "< 10")


def test_results_bars_stack_yes_and_no() -> None:
    women, men, unknown = chart_bars(by_gender(True), LABELS)
    assert women.segments == (Segment("yes", 31), Segment("no", 12)) and women.text == "31 / 12"
    assert men.text == unknown.text == "< 10"


def test_no_text_on_the_drawing_carries_a_hidden_number() -> None:
    from services.charts import _pyplot

    pyplot = _pyplot()
    figure, axes = pyplot.subplots()
    try:
        draw(axes, chart_bars(by_gender(True), LABELS), LABELS, parts=("yes", "no"))
        texts = [text.get_text().strip() for text in axes.texts]
        legend = [text.get_text() for text in axes.get_legend().get_texts()]
    finally:
        pyplot.close(figure)
    assert texts == ["31 / 12", "< 10", "< 10"]
    assert not any(number in text for text in texts for number in ("27", "15", "42", "7"))
    assert legend == ["за", "против", "< 10"]


def test_too_many_cells_for_one_chart_are_refused() -> None:
    records = [record(unom=unom) for unom in range(MAX_BARS + 1)]
    with pytest.raises(ValueError, match="too many"):
        breakdown_png(breakdown(records, Dimension.HOUSE, results=False), title="", labels=LABELS)
