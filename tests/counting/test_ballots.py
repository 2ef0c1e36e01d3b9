"""Which counted ballots decide a flat: one a person, two channels, shares, equal splits."""
from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import pytest

from counting.ballots import ONLINE, PAPER, CountedBallot, FlatTally, Position, Superseded, flat_tallies
from counting.rules import CountingRules, TwoChannels

OPENED = datetime(2017, 5, 15, 8)
BY_HEAD, BY_SHARE = CountingRules(), CountingRules(weighted_by_share=True)


def ballot(ballot_id: int, yes: bool = True, *, person: str = "p1", flat: str = "1", house: int = 1,
           hours: int = 0, channel: str = ONLINE, share: Fraction = Fraction(1)) -> CountedBallot:
    return CountedBallot(ballot_id, house, flat, person, yes, OPENED + timedelta(hours=hours), channel, share)


def only(tallies: list[FlatTally]) -> FlatTally:
    assert len(tallies) == 1, tallies
    return tallies[0]


def test_one_ballot_decides_its_flat() -> None:
    tallies, superseded = flat_tallies([ballot(1, yes=False)], BY_HEAD)
    assert tallies == [FlatTally(1, "1", Fraction(0), Fraction(1), 1)]
    assert only(tallies).position is Position.AGAINST and superseded == []


def test_weights_are_fractions_whatever_the_rules() -> None:
    for rules in (BY_HEAD, BY_SHARE):
        tally = only(flat_tallies([ballot(1), ballot(2, False, person="p2")], rules)[0])
        assert type(tally.for_weight) is Fraction and type(tally.against_weight) is Fraction


def test_majority_of_the_flats_ballots() -> None:
    ballots = [ballot(1, person="a"), ballot(2, person="b"), ballot(3, False, person="c")]
    tally = only(flat_tallies(ballots, BY_HEAD)[0])
    assert (tally.for_weight, tally.against_weight, tally.ballots) == (2, 1, 3)
    assert tally.position is Position.FOR


def test_an_equal_split_leaves_the_flat_undecided() -> None:
    tally = only(flat_tallies([ballot(1, person="a"), ballot(2, False, person="b")], BY_HEAD)[0])
    assert (tally.for_weight, tally.against_weight, tally.ballots) == (1, 1, 2)
    assert tally.position is Position.UNDECIDED


def test_by_share_half_and_quarter_for_outweigh_a_quarter_against() -> None:
    ballots = [ballot(1, person="a", share=Fraction(1, 2)), ballot(2, person="b", share=Fraction(1, 4)),
               ballot(3, False, person="c", share=Fraction(1, 4))]
    tally = only(flat_tallies(ballots, BY_SHARE)[0])
    assert (tally.for_weight, tally.against_weight, tally.ballots) == (Fraction(3, 4), Fraction(1, 4), 3)
    assert tally.position is Position.FOR


def test_by_head_and_by_share_disagree() -> None:
    # two owners of 1/8 each for, the owner of 3/4 against
    ballots = [ballot(1, person="a", share=Fraction(1, 8)), ballot(2, person="b", share=Fraction(1, 8)),
               ballot(3, False, person="c", share=Fraction(3, 4))]
    by_head, by_share = only(flat_tallies(ballots, BY_HEAD)[0]), only(flat_tallies(ballots, BY_SHARE)[0])
    assert (by_head.for_weight, by_head.against_weight, by_head.position) == (2, 1, Position.FOR)
    assert (by_share.for_weight, by_share.against_weight, by_share.position) == (
        Fraction(1, 4), Fraction(3, 4), Position.AGAINST)


def test_equal_shares_split_the_flat_though_heads_do_not() -> None:
    ballots = [ballot(1, person="a", share=Fraction(1, 2)), ballot(2, False, person="b", share=Fraction(1, 4)),
               ballot(3, False, person="c", share=Fraction(1, 4))]
    assert only(flat_tallies(ballots, BY_HEAD)[0]).position is Position.AGAINST
    assert only(flat_tallies(ballots, BY_SHARE)[0]).position is Position.UNDECIDED


def test_whole_shares_weigh_by_share_too() -> None:
    ballots = [ballot(1, person="a", share=Fraction(2)), ballot(2, False, person="b"),
               ballot(3, False, person="c", share=Fraction(1, 2))]
    tally = only(flat_tallies(ballots, BY_SHARE)[0])
    assert (tally.for_weight, tally.against_weight, tally.position) == (2, Fraction(3, 2), Position.FOR)


@pytest.mark.parametrize(("for_weight", "against_weight", "position"), [
    (Fraction(1, 3), Fraction(1, 3), Position.UNDECIDED),
    (Fraction(2, 6), Fraction(1, 3), Position.UNDECIDED),
    (Fraction(1, 3), Fraction(1, 4), Position.FOR),
    (Fraction(1, 4), Fraction(1, 3), Position.AGAINST),
    (Fraction(0), Fraction(0), Position.UNDECIDED),
    (Fraction(7, 5), Fraction(1), Position.FOR),
    (Fraction(10**18 + 1, 10**18), Fraction(1), Position.FOR),
])
def test_position_compares_exactly(for_weight: Fraction, against_weight: Fraction, position: Position) -> None:
    assert FlatTally(1, "1", for_weight, against_weight, 2).position is position


def test_a_second_channel_supersedes_never_adds() -> None:
    bot, paper = ballot(1, True, hours=1), ballot(2, False, hours=5, channel=PAPER)
    tallies, superseded = flat_tallies([bot, paper], BY_HEAD)
    assert only(tallies) == FlatTally(1, "1", Fraction(0), Fraction(1), 1)
    assert superseded == [Superseded(ballot_id=1, by=2)]


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
@pytest.mark.parametrize(("rule", "bot_hours", "paper_hours", "winner"), [
    (TwoChannels.LATER, 1, 5, "paper"),
    (TwoChannels.LATER, 5, 1, "bot"),
    (TwoChannels.ONLINE, 1, 5, "bot"),
    (TwoChannels.ONLINE, 5, 1, "bot"),
    (TwoChannels.PAPER, 1, 5, "paper"),
    (TwoChannels.PAPER, 5, 1, "paper"),
])
def test_two_channels_policy_picks_one_in_any_order(rule: TwoChannels, bot_hours: int, paper_hours: int,
                                                     winner: str, order: tuple[int, int]) -> None:
    bot, paper = ballot(10, True, hours=bot_hours), ballot(20, False, hours=paper_hours, channel=PAPER)
    given = [(bot, paper)[i] for i in order]
    tallies, superseded = flat_tallies(given, CountingRules(two_channels=rule))
    won, lost = (bot, paper) if winner == "bot" else (paper, bot)
    assert only(tallies).position is (Position.FOR if won.yes else Position.AGAINST)
    assert only(tallies).ballots == 1
    assert superseded == [Superseded(lost.ballot_id, won.ballot_id)]


@pytest.mark.parametrize("rule", list(TwoChannels))
def test_a_tie_in_time_goes_to_the_later_ballot_id(rule: TwoChannels) -> None:
    # same channel (the policy cannot choose), same minute: the ballot recorded later counts
    first, second = ballot(7, True, hours=3), ballot(8, False, hours=3)
    for given in ([first, second], [second, first]):
        tallies, superseded = flat_tallies(given, CountingRules(two_channels=rule))
        assert only(tallies).position is Position.AGAINST
        assert superseded == [Superseded(7, 8)]


def test_a_tie_in_time_across_channels_under_later() -> None:
    bot, paper = ballot(9, True, hours=3), ballot(4, False, hours=3, channel=PAPER)
    tallies, superseded = flat_tallies([paper, bot], BY_HEAD)
    assert only(tallies).position is Position.FOR and superseded == [Superseded(4, 9)]


def test_three_ballots_of_one_person_are_superseded_by_the_one_that_counts() -> None:
    ballots = [ballot(1, True, hours=1), ballot(2, False, hours=2, channel=PAPER),
               ballot(3, True, hours=3, channel="operator")]
    tallies, superseded = flat_tallies(ballots, BY_HEAD)
    assert only(tallies).position is Position.FOR and only(tallies).ballots == 1
    assert sorted(superseded, key=lambda s: s.ballot_id) == [Superseded(1, 3), Superseded(2, 3)]


def test_two_channels_neither_wanted_go_by_time_in_any_order() -> None:
    paper, operator = ballot(1, True, hours=1, channel=PAPER), ballot(2, False, hours=2, channel="operator")
    for given in ([paper, operator], [operator, paper]):
        tallies, superseded = flat_tallies(given, CountingRules(two_channels=TwoChannels.ONLINE))
        assert only(tallies).position is Position.AGAINST and superseded == [Superseded(1, 2)]


def test_one_person_voting_for_two_flats_counts_in_both() -> None:
    ballots = [ballot(1, True, flat="5"), ballot(2, False, flat="6"), ballot(3, True, flat="5", house=2)]
    tallies, superseded = flat_tallies(ballots, BY_HEAD)
    assert superseded == []
    assert {(t.house, t.flat): t.position for t in tallies} == {
        (1, "5"): Position.FOR, (1, "6"): Position.AGAINST, (2, "5"): Position.FOR}


def test_other_people_of_the_flat_are_not_superseded() -> None:
    ballots = [ballot(1, True, person="a"), ballot(2, False, person="b", channel=PAPER),
               ballot(3, False, person="c", hours=1)]
    tally = only(flat_tallies(ballots, BY_HEAD)[0])
    assert (tally.for_weight, tally.against_weight, tally.ballots) == (1, 2, 3)


def test_the_superseded_ballot_adds_no_share() -> None:
    ballots = [ballot(1, True, person="a", share=Fraction(1, 2)),
               ballot(2, False, person="a", share=Fraction(1, 2), hours=1, channel=PAPER),
               ballot(3, True, person="b", share=Fraction(1, 4))]
    tally = only(flat_tallies(ballots, BY_SHARE)[0])
    assert (tally.for_weight, tally.against_weight, tally.ballots) == (Fraction(1, 4), Fraction(1, 2), 2)
    assert tally.position is Position.AGAINST


def test_no_ballots_no_tallies() -> None:
    assert flat_tallies([], BY_HEAD) == ([], [])
