"""Disclosure control: each rule on its own (small, complementary, unanimous, the threshold's bounds),
the two-way table settled along rows and columns, and properties over random ballots: nothing
shown is small, nothing hidden comes back by subtraction, and the pattern never changes."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counting.breakdowns import AGE_BANDS, Breakdown, Dimension, VoterRecord, breakdown, tabulate
from counting.disclosure import Counts, DisclosureRules, Hidden, Reason, Suppressed, own_rules, protect

SMALL, COMPLEMENTARY, UNANIMOUS = Reason.SMALL, Reason.COMPLEMENTARY, Reason.UNANIMOUS
RULES = DisclosureRules()
MAY_15 = datetime(2017, 5, 15, 9, tzinfo=timezone.utc)


def mixed(ballots: int, counted: int | None = None, yes: int | None = None) -> Counts:
    """A cell of `ballots`, all counted unless said, split about evenly unless said."""
    counted = ballots if counted is None else counted
    yes = counted // 2 if yes is None else yes
    return Counts(ballots, counted, yes, counted - yes)


def one_line(*cells: Counts, rules: DisclosureRules = RULES) -> list[Hidden]:
    return protect(cells, [tuple(range(len(cells)))], rules)


def test_the_threshold_is_never_under_five() -> None:
    with pytest.raises(ValueError, match="at least 5"):
        DisclosureRules(4)
    with pytest.raises(ValueError, match="at least 5"):
        breakdown([], Dimension.AGE, results=True, threshold=3)
    assert DisclosureRules(5).unanimous_bound == 10
    assert DisclosureRules().threshold == 10 and DisclosureRules().unanimous_bound == 20
    assert DisclosureRules(10, 35).unanimous_bound == 35
    with pytest.raises(ValueError, match="unanimous_below"):
        DisclosureRules(10, 9)


def test_a_cell_under_k_hides_everything_and_k_itself_shows() -> None:
    small, at_k, big, bigger = one_line(mixed(9), mixed(10), mixed(50), mixed(60))
    assert small == Hidden(SMALL, SMALL)
    assert at_k == Hidden(COMPLEMENTARY, COMPLEMENTARY)  # the next smallest: see below
    assert big == bigger == Hidden(None, None)
    assert one_line(mixed(10), mixed(10)) == [Hidden(None, None)] * 2


def test_few_counted_hide_the_results_but_not_the_turnout() -> None:
    # 30 ballots, 8 counted: 8 choices are a small group even in a big cell
    assert one_line(mixed(30, 8), mixed(40), mixed(50))[0] == Hidden(None, SMALL)


def test_one_hidden_cell_in_a_line_takes_the_next_smallest_with_it() -> None:
    hidden = one_line(mixed(40), mixed(3), mixed(25), mixed(30))
    assert hidden == [Hidden(None, None), Hidden(SMALL, SMALL), Hidden(COMPLEMENTARY, COMPLEMENTARY),
                      Hidden(None, None)]


def test_ties_for_the_next_smallest_go_to_the_earlier_key() -> None:
    hidden = one_line(mixed(30), mixed(25), mixed(2), mixed(25))
    assert [h.turnout for h in hidden] == [None, COMPLEMENTARY, SMALL, None]
    records = [record(gender="m")] * 25 + [record(gender=None)] * 3 + [record(gender="f")] * 25
    genders = breakdown(records, Dimension.GENDER, results=False)
    assert [cell.ballots for cell in genders.cells] == [Suppressed(COMPLEMENTARY, 10), 25, Suppressed(SMALL, 10)]


def test_two_small_cells_cover_each_other() -> None:
    assert [h.turnout for h in one_line(mixed(40), mixed(3), mixed(4))] == [None, SMALL, SMALL]


def test_a_small_unanimous_group_hides_its_choice_but_shows_its_turnout() -> None:
    all_for, all_against, nearly, enough = one_line(
        mixed(15, yes=15), mixed(19, yes=0), mixed(15, yes=14), mixed(20, yes=20))
    assert all_for == Hidden(None, UNANIMOUS) and all_against == Hidden(None, UNANIMOUS)
    assert nearly == Hidden(None, None)
    assert enough == Hidden(None, None)  # 20 of 20 is not small with the default 2·k
    assert one_line(mixed(20, yes=20), mixed(15, yes=14), mixed(40),
                    rules=DisclosureRules(10, 30))[0] == Hidden(None, UNANIMOUS)


def test_results_hidden_in_one_cell_take_another_cells_results_not_its_turnout() -> None:
    hidden = one_line(mixed(15, yes=15), mixed(60, 50), mixed(45, 40), mixed(80))
    assert hidden == [Hidden(None, UNANIMOUS), Hidden(None, None), Hidden(None, COMPLEMENTARY),
                      Hidden(None, None)]  # the smallest counted: 40


def test_hidden_turnout_hides_the_results_too() -> None:
    # counted = yes + no: showing yes and no of a cell would give its hidden counted back
    # the smallest by ballots (30) is not the smallest by counted (12): the results follow the
    # turnout's pattern, and then need nothing more
    hidden = one_line(mixed(5), mixed(30), mixed(35, 12), mixed(50))
    assert hidden == [Hidden(SMALL, SMALL), Hidden(COMPLEMENTARY, COMPLEMENTARY), Hidden(None, None),
                      Hidden(None, None)]


def test_a_two_way_table_is_settled_along_rows_and_columns() -> None:
    # 3 × 2 (rows a, b, c; columns x, y), one small cell at (a, x):
    # row a hides (a, y); column x then has one hidden, so (b, x), its smallest, goes; column y
    # has (a, y) alone, so (b, y) goes; every row and column then has 0 or 2 hidden
    cells = [mixed(3), mixed(40), mixed(20), mixed(30), mixed(50), mixed(60)]
    rows = [(0, 1), (2, 3), (4, 5)]
    columns = [(0, 2, 4), (1, 3, 5)]
    turnout = [h.turnout for h in protect(cells, rows + columns, RULES)]
    assert turnout == [SMALL, COMPLEMENTARY, COMPLEMENTARY, COMPLEMENTARY, None, None]


def record(**changes: Any) -> VoterRecord:
    fields: dict[str, Any] = dict(okrug="ЦАО", district="Арбат", unom=1, age_band="35–44", gender="f",
                                  cast_at=MAY_15, channel="telegram", status="counted", yes=True)
    fields.update(changes)
    return VoterRecord(**fields)


def test_the_same_ballots_in_any_order_give_the_same_pattern() -> None:
    rng = random.Random(7)
    records = [record(age_band=rng.choice([*AGE_BANDS, None]), gender=rng.choice(["f", "m", None]),
                      yes=rng.random() < 0.8, cast_at=MAY_15 + timedelta(minutes=rng.randrange(5000)))
               for _ in range(400)]
    for dimension in Dimension:
        first = breakdown(records, dimension, results=True).as_json()
        rng.shuffle(records)
        assert breakdown(records, dimension, results=True).as_json() == first


# --- properties over random ballots ----------------------------------------------------------

# a small city: districts in okrugs, houses in districts, so the nested lines are exercised
HOUSES = [("ЦАО", "Арбат", 1), ("ЦАО", "Арбат", 2), ("ЦАО", "Басманный", 3), ("САО", "Беговой", 4),
          ("САО", "Беговой", 5), ("САО", "Сокол", 6), ("САО", "Аэропорт", 7)]
counted_choice = st.sampled_from([("counted", True), ("counted", True), ("counted", False),
                                  ("pending", None), ("rejected", None)])
records = st.lists(st.builds(
    lambda house, band, gender, minutes, channel, outcome: VoterRecord(
        *house, band, gender, MAY_15 + timedelta(minutes=minutes), channel, *outcome),
    st.sampled_from(HOUSES), st.sampled_from([*AGE_BANDS, None]), st.sampled_from(["f", "m", None]),
    st.integers(0, 3 * 24 * 60), st.sampled_from(["telegram", "paper"]), counted_choice), max_size=400)


def _values(result: Breakdown, name: str) -> list[Any]:
    return [getattr(cell, name) for cell in result.cells]


@settings(max_examples=150, deadline=None)
@given(records=records, dimension=st.sampled_from(Dimension), threshold=st.integers(5, 15))
def test_nothing_shown_is_small_and_nothing_hidden_comes_back_by_subtraction(
        records: list[VoterRecord], dimension: Dimension, threshold: int) -> None:
    result = breakdown(records, dimension, results=True, threshold=threshold)
    exact = tabulate(records, dimension)
    rules = result.rules
    for cell, counts in zip([*result.cells, result.total], [*exact.counts, exact.total]):
        if isinstance(cell.ballots, int):
            assert cell.ballots == counts.ballots >= threshold
        if isinstance(cell.yes, int):
            assert counts.counted >= threshold
            assert min(counts.yes, counts.no) > 0 or counts.counted >= rules.unanimous_bound
        # yes + no = counted: never one of the three hidden alone
        if isinstance(cell.counted, int):
            assert isinstance(cell.yes, int) == isinstance(cell.no, int)
        else:
            assert isinstance(cell.yes, Suppressed) and isinstance(cell.no, Suppressed)
    everything = tuple(range(len(exact.counts)))
    for line in [*exact.lines, everything]:
        # a line's sum is public (the total, or a margin published in another breakdown) unless
        # the rules hide that sum itself, as for a line of one small cell
        margin = own_rules(Counts(*map(sum, zip(*(exact.counts[i] for i in line)))), rules)
        for name in ("ballots", "counted", "yes", "no"):
            if (margin.turnout if name in ("ballots", "counted") else margin.results) is not None:
                continue
            true = [getattr(exact.counts[i], name) for i in line]
            shown = [_values(result, name)[i] for i in line]
            hidden = [value for value, published in zip(true, shown) if isinstance(published, Suppressed)]
            recovered = sum(true) - sum(value for value in shown if isinstance(value, int))
            assert len(hidden) != 1, f"{name}: {hidden[0] if hidden else ''} = {recovered} by subtraction"
            for value in hidden:
                assert value != recovered or len(hidden) >= 2


@settings(max_examples=60, deadline=None)
@given(records=records, dimension=st.sampled_from(Dimension))
def test_the_pattern_is_the_same_on_every_refresh_and_in_any_order(records: list[VoterRecord],
                                                                   dimension: Dimension) -> None:
    first = breakdown(records, dimension, results=True).as_json()
    assert breakdown(records, dimension, results=True).as_json() == first
    assert breakdown(records[::-1], dimension, results=True).as_json() == first


@settings(max_examples=60, deadline=None)
@given(records=records, dimension=st.sampled_from(Dimension))
def test_turnout_is_hidden_the_same_way_during_voting_and_after(records: list[VoterRecord],
                                                                dimension: Dimension) -> None:
    during = breakdown(records, dimension, results=False)
    after = breakdown(records, dimension, results=True)
    assert _values(during, "ballots") == _values(after, "ballots")
    assert _values(during, "counted") == _values(after, "counted")
