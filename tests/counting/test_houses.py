"""A house's decision: silent flats, undecided flats, the strict 2/3, protocols; the poll's totals."""
from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

import pytest

from counting.ballots import CountedBallot, FlatTally, flat_tallies
from counting.houses import (Decision, HouseCount, HouseResult, PollTotals, Protocol, Why, count_house,
                             count_poll, house_counts)
from counting.rules import CountingRules, SilentFlats

PROPORTIONAL, IGNORED, FOR = SilentFlats.PROPORTIONAL, SilentFlats.IGNORED, SilentFlats.FOR
INCLUDED_BY_MEETING = Protocol(True, date(2017, 6, 1), "ОСС-1")
EXCLUDED_BY_MEETING = Protocol(False, date(2017, 6, 2), "ОСС-2")


def count(total: int | None, for_flats: int, against_flats: int, undecided_flats: int = 0,
          protocol: Protocol | None = None, **rules: object) -> HouseResult:
    house = HouseCount("h", total, for_flats, against_flats, undecided_flats, protocol)
    return count_house(house, CountingRules(**rules))  # type: ignore[arg-type]


def test_proportional_shares_out_the_silent_flats() -> None:
    # 100 flats: 30 for, 10 against, 60 silent → 45 more for, 15 more against; 75 > 66.67
    result = count(100, 30, 10)
    assert (result.silent_flats, result.silent_for, result.silent_against) == (60, 45, 15)
    assert (result.effective_for, result.effective_against, result.base) == (75, 25, 100)
    assert (result.decision, result.why) == (Decision.INCLUDED, Why.OVER_THRESHOLD)
    assert (result.for_pct, result.against_pct) == (75.0, 25.0)
    assert result.threshold == Fraction(2, 3) and result.protocol is None and result.count_decision is None


def test_ignored_leaves_the_silent_flats_out_of_count_and_total() -> None:
    # the same house: base 40, 30 > 26.67
    result = count(100, 30, 10, silent=IGNORED)
    assert (result.silent_flats, result.silent_for, result.silent_against) == (60, 0, 0)
    assert (result.effective_for, result.effective_against, result.base) == (30, 10, 40)
    assert result.decision is Decision.INCLUDED and result.for_pct == 75.0


def test_for_counts_the_silent_flats_as_for() -> None:
    # the original 245-ПП rule: 30 + 60 = 90 of 100
    result = count(100, 30, 10, silent=FOR)
    assert (result.silent_for, result.silent_against) == (60, 0)
    assert (result.effective_for, result.effective_against, result.base) == (90, 10, 100)
    assert result.decision is Decision.INCLUDED and result.for_pct == 90.0


def test_the_silent_policy_decides_a_house() -> None:
    # 100 flats: 30 for, 30 against, 40 silent: half for under the amended rules, 70 % under 245-ПП
    assert count(100, 30, 30).decision is Decision.EXCLUDED
    assert count(100, 30, 30, silent=IGNORED).decision is Decision.EXCLUDED
    assert count(100, 30, 30, silent=FOR).decision is Decision.INCLUDED


def test_proportional_and_ignored_differ_with_undecided_flats() -> None:
    # 100 flats: 30 for, 10 against, 6 undecided, 54 silent
    proportional, ignored = count(100, 30, 10, 6), count(100, 30, 10, 6, silent=IGNORED)
    assert (proportional.silent_for, proportional.effective_for) == (Fraction(81, 2), Fraction(141, 2))
    assert proportional.decision is Decision.INCLUDED  # 70.5 > 66.67
    assert (ignored.effective_for, ignored.base) == (30, 46)
    assert ignored.decision is Decision.EXCLUDED  # 30 ≤ 30.67


def test_proportional_keeps_fractions_exact() -> None:
    # 10 flats: 1 for, 2 against, 7 silent → 7/3 more for
    result = count(10, 1, 2)
    assert (result.silent_for, result.silent_against) == (Fraction(7, 3), Fraction(14, 3))
    assert result.effective_for == Fraction(10, 3) and result.effective_against == Fraction(20, 3)
    assert all(type(value) is Fraction for value in (result.silent_for, result.silent_against,
                                                      result.effective_for, result.effective_against, result.base))


def test_undecided_flats_in_or_out_of_the_total_flip_a_house() -> None:
    # 100 flats: 50 for, 20 against, 20 undecided, 10 silent → 50 + 50/7 = 57.14 for
    inside, outside = count(100, 50, 20, 20), count(100, 50, 20, 20, undecided_in_total=False)
    assert inside.effective_for == outside.effective_for == Fraction(400, 7)
    assert (inside.base, inside.decision) == (100, Decision.EXCLUDED)  # 57.14 ≤ 66.67
    assert (outside.base, outside.decision) == (80, Decision.INCLUDED)  # 57.14 > 53.33


def test_undecided_out_of_the_total_with_silent_ignored() -> None:
    result = count(100, 30, 10, 20, silent=IGNORED, undecided_in_total=False)
    assert (result.base, result.effective_for) == (40, 30)
    assert result.decision is Decision.INCLUDED


@pytest.mark.parametrize(("for_flats", "against_flats", "decision", "why"), [
    (60, 30, Decision.EXCLUDED, Why.NOT_OVER_THRESHOLD),  # exactly 2/3 of 90
    (61, 29, Decision.INCLUDED, Why.OVER_THRESHOLD),
    (59, 31, Decision.EXCLUDED, Why.NOT_OVER_THRESHOLD),
    (40, 20, Decision.EXCLUDED, Why.NOT_OVER_THRESHOLD),  # 30 silent: 40 + 20 = 60, exactly
])
def test_two_thirds_strictly(for_flats: int, against_flats: int, decision: Decision, why: Why) -> None:
    result = count(90, for_flats, against_flats)
    assert (result.decision, result.why) == (decision, why)


def test_exactly_two_thirds_with_a_fractional_share_out() -> None:
    # 100 flats: 20 for, 10 against, 70 silent → 20 + 140/3 = 200/3, exactly 2/3 of 100
    result = count(100, 20, 10)
    assert result.effective_for == Fraction(200, 3) == Fraction(2, 3) * result.base
    assert result.decision is Decision.EXCLUDED
    assert count(100, 21, 10).decision is Decision.INCLUDED


def test_another_threshold() -> None:
    assert count(100, 50, 50, threshold=Fraction(1, 2)).decision is Decision.EXCLUDED
    assert count(100, 51, 49, threshold=Fraction(1, 2)).decision is Decision.INCLUDED


@pytest.mark.parametrize("rules", [{}, {"silent": IGNORED}, {"silent": FOR},
                                   {"silent": IGNORED, "undecided_in_total": False}])
@pytest.mark.parametrize("total", [0, 100])
def test_no_flat_for_or_against_is_no_decision(rules: dict, total: int) -> None:
    for undecided in (0, min(total, 3)):
        result = count(total, 0, 0, undecided, **rules)
        assert (result.decision, result.why) == (Decision.NO_DECISION, Why.NO_VOTES)
        assert result.effective_against == 0
        assert result.effective_for == (total - undecided if rules.get("silent") is FOR else 0)
        if result.base == 0:  # no division by zero
            assert result.for_pct is None and result.against_pct is None


def test_unknown_number_of_flats_is_no_decision() -> None:
    result = count(None, 30, 10)
    assert (result.decision, result.why) == (Decision.NO_DECISION, Why.FLATS_UNKNOWN)
    assert (result.flats_total, result.silent_flats, result.for_pct) == (None, 0, None)


def test_more_voted_than_flats_is_no_decision() -> None:
    result = count(10, 8, 2, 1)
    assert (result.decision, result.why) == (Decision.NO_DECISION, Why.MORE_VOTED_THAN_FLATS)
    assert (result.silent_flats, result.silent_for, result.silent_against) == (0, 0, 0)
    assert count(11, 8, 2, 1).why is Why.OVER_THRESHOLD  # one flat more and it is counted


def test_an_included_protocol_overrides_an_excluded_count() -> None:
    result = count(100, 10, 50, protocol=INCLUDED_BY_MEETING)
    assert (result.decision, result.why, result.count_decision) == (
        Decision.INCLUDED, Why.PROTOCOL, Decision.EXCLUDED)
    assert result.protocol == INCLUDED_BY_MEETING
    assert result.effective_for == Fraction(100, 6)  # the count's numbers are still there


def test_an_excluded_protocol_overrides_an_included_count() -> None:
    result = count(100, 90, 0, protocol=EXCLUDED_BY_MEETING)
    assert (result.decision, result.why, result.count_decision) == (
        Decision.EXCLUDED, Why.PROTOCOL, Decision.INCLUDED)


def test_a_protocol_decides_a_house_the_count_could_not() -> None:
    result = count(None, 0, 0, protocol=INCLUDED_BY_MEETING)
    assert (result.decision, result.why, result.count_decision) == (
        Decision.INCLUDED, Why.PROTOCOL, Decision.NO_DECISION)


def test_house_counts_counts_positions_and_keeps_houses_without_ballots() -> None:
    tallies = [FlatTally(1, "1", Fraction(1), Fraction(0), 1), FlatTally(1, "2", Fraction(1), Fraction(0), 1),
               FlatTally(1, "3", Fraction(0), Fraction(2), 2), FlatTally(1, "4", Fraction(1), Fraction(1), 2),
               FlatTally(3, "1", Fraction(0), Fraction(1), 1), FlatTally(9, "1", Fraction(1), Fraction(0), 1)]
    counts = house_counts(tallies, {1: 10, 2: 20, 3: None}, {2: INCLUDED_BY_MEETING})
    assert counts == [HouseCount(1, 10, 2, 1, 1), HouseCount(2, 20, 0, 0, 0, INCLUDED_BY_MEETING),
                      HouseCount(3, None, 0, 1, 0), HouseCount(9, None, 1, 0, 0)]


def test_house_counts_without_tallies() -> None:
    assert house_counts([], {5: 40}) == [HouseCount(5, 40)]
    assert house_counts([], {}) == []


def test_count_poll_totals() -> None:
    houses = [HouseCount(1, 100, 30, 10),  # included
              HouseCount(2, 90, 60, 30),  # excluded, exactly 2/3
              HouseCount(3, 50),  # no votes
              HouseCount(4, None, 5, 1),  # flats unknown
              HouseCount(5, 100, 10, 50, 2, INCLUDED_BY_MEETING)]
    results, totals = count_poll(houses, CountingRules())
    assert [r.decision for r in results] == [Decision.INCLUDED, Decision.EXCLUDED, Decision.NO_DECISION,
                                             Decision.NO_DECISION, Decision.INCLUDED]
    assert [r.house for r in results] == [1, 2, 3, 4, 5]
    assert totals == PollTotals(houses=5, decisions={"included": 2, "excluded": 1, "no_decision": 2},
                                by_protocol=1, flats_voted=40 + 90 + 0 + 6 + 62)


def test_count_poll_of_nothing() -> None:
    assert count_poll([], CountingRules()) == (
        [], PollTotals(0, {"included": 0, "excluded": 0, "no_decision": 0}, 0, 0))


def test_from_ballots_to_the_poll() -> None:
    at = datetime(2017, 5, 20)
    ballots = [CountedBallot(i, 1, str(i), f"p{i}", True, at) for i in range(1, 8)]  # 7 of 10 for
    ballots += [CountedBallot(8, 1, "8", "p8", False, at),
                CountedBallot(9, 1, "8", "p8", True, at.replace(day=21), "paper"),  # supersedes 8
                CountedBallot(10, 2, "1", "q", False, at)]
    rules = CountingRules()
    tallies, superseded = flat_tallies(ballots, rules)
    results, totals = count_poll(house_counts(tallies, {1: 10, 2: 3, 3: 12}), rules)
    assert [s.ballot_id for s in superseded] == [8]
    assert [(r.house, r.for_flats, r.against_flats, r.decision) for r in results] == [
        (1, 8, 0, Decision.INCLUDED), (2, 0, 1, Decision.EXCLUDED), (3, 0, 0, Decision.NO_DECISION)]
    assert totals.flats_voted == 9 and totals.decisions["included"] == 1
