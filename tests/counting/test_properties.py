"""Properties of the count over random houses: the flats add up, percentages stay in range,
and the decision is the exact comparison effective for > threshold × base."""
from __future__ import annotations

from collections import Counter
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from counting.ballots import CountedBallot, FlatVotes, flat_tallies
from counting.houses import Decision, HouseCount, count_house, house_counts, house_counts_from_votes
from counting.rules import CountingRules, SilentFlats, TwoChannels

flats = st.integers(min_value=0, max_value=2_000)
thresholds = st.fractions(min_value=Fraction(1, 20), max_value=Fraction(19, 20), max_denominator=20)
any_rules = st.builds(CountingRules, silent=st.sampled_from(SilentFlats),
                      threshold=st.one_of(st.just(Fraction(2, 3)), thresholds),
                      undecided_in_total=st.booleans(), weighted_by_share=st.booleans())


@given(for_flats=flats, against_flats=flats, undecided=flats, silent=flats)
def test_proportional_flats_add_up_to_the_house(for_flats: int, against_flats: int, undecided: int,
                                                silent: int) -> None:
    total = for_flats + against_flats + undecided + silent
    result = count_house(HouseCount("h", total, for_flats, against_flats, undecided), CountingRules())
    assert result.silent_flats == silent
    if for_flats + against_flats:
        assert result.effective_for + result.effective_against + result.undecided_flats == total
    else:  # nobody to share the silent flats out like
        assert result.effective_for == result.effective_against == 0
    assert result.for_pct is None or 0 <= result.for_pct <= 100


@given(for_flats=flats, against_flats=flats, undecided=flats, silent=flats, rules=any_rules)
def test_percentages_in_range_and_the_decision_exact(for_flats: int, against_flats: int, undecided: int,
                                                     silent: int, rules: CountingRules) -> None:
    total = for_flats + against_flats + undecided + silent
    result = count_house(HouseCount("h", total, for_flats, against_flats, undecided), rules)
    for pct in (result.for_pct, result.against_pct):
        assert pct is None or 0 <= pct <= 100
    assert result.for_pct is None or result.for_pct + result.against_pct <= 100 + 1e-9
    assert result.effective_for >= for_flats and result.effective_against >= against_flats
    if not for_flats + against_flats:
        assert result.decision is Decision.NO_DECISION
    else:
        over = result.effective_for > rules.threshold * result.base
        assert result.decision is (Decision.INCLUDED if over else Decision.EXCLUDED)
        if rules.threshold == Fraction(2, 3):
            assert over is (3 * result.effective_for > 2 * result.base)


# a few houses and flats, so that people share flats and vote on both channels
voters = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5), st.integers(0, 6), st.booleans(),
                            st.sampled_from(["telegram", "paper"]), st.integers(0, 50)), max_size=120)


@given(voters=voters, two_channels=st.sampled_from(TwoChannels))
def test_the_database_path_counts_as_the_ballot_by_ballot_one(voters, two_channels) -> None:
    """Each flat's totals (as a database adds them up) with the two-channel voters' ballots give
    the same houses and the same superseded ballots as reading every ballot."""
    rules = CountingRules(two_channels=two_channels)
    ballots, seen = [], set()
    for number, (house, flat, person, yes, channel, moment) in enumerate(voters):
        key = (house, (house, flat), f"p{person}", channel)
        if key in seen:  # one ballot a person, flat and channel, as the database keeps
            continue
        seen.add(key)
        ballots.append(CountedBallot(number, house, (house, flat), f"p{person}", yes, moment, channel))
    flats_total = {house: 10 for house in range(5)}
    expected_tallies, expected_superseded = flat_tallies(ballots, rules)
    expected = house_counts(expected_tallies, flats_total)
    totals: dict = {}
    for ballot in ballots:
        row = totals.setdefault((ballot.house, ballot.flat), [0, 0, 0])
        row[0] += ballot.yes
        row[1] += 1
        row[2] += ballot.channel == "paper"
    votes = [FlatVotes(house, flat, *row) for (house, flat), row in totals.items()]
    people = Counter((b.flat, b.person) for b in ballots)
    doubles = [b for b in ballots if people[(b.flat, b.person)] > 1]
    houses, superseded = house_counts_from_votes(votes, doubles, rules, flats_total)
    assert houses == expected
    assert sorted(superseded, key=lambda s: s.ballot_id) == sorted(expected_superseded, key=lambda s: s.ballot_id)
