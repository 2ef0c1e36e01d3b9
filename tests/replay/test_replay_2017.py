"""The 2017 vote replayed from ballots gives the city's published result for every house."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from bot.cli import main
from bot.demo import HOUSES_CSV
from bot.demo.replay2017 import count_replay, replay
from counting.ballots import PAPER, flat_tallies
from counting.rules import CountingRules


@pytest.fixture(scope="module")
def houses():
    return list(replay(HOUSES_CSV))


@pytest.fixture(scope="module")
def compared(houses):
    return count_replay(houses)


def test_every_house_gets_its_published_share_and_decision(compared):
    assert len(compared) == 4_543
    assert [r.official.unom for r in compared if not r.agrees] == []
    assert Counter(r.result.decision.value for r in compared) == {
        "included": 4_079, "excluded": 460, "no_decision": 4}


def test_the_replay_holds_what_a_real_vote_holds(houses, compared):
    ballots = [b for h in houses for b in h.ballots]
    counted = [b.ballot for b in ballots if b.counted]
    assert len(counted) >= 300_000
    tallies, superseded = flat_tallies(counted, CountingRules())
    owners = Counter(t.ballots for t in tallies)
    assert owners[1] and owners[2] and owners[3], owners  # single- and multi-owner flats
    assert sum(1 for t in tallies if t.position == "undecided") > 100  # tied flats
    assert sum(1 for b in counted if b.channel == PAPER) > 10_000
    assert sum(1 for b in ballots if b.changed_from_yes is not None) > 10_000
    assert sum(1 for r in compared if r.result.silent_flats) > 4_000
    assert sum(1 for r in compared if r.result.protocol is not None) == 107
    # two channels: the later ballot counts, and the earlier one (the other choice) is superseded
    by_id = {b.ballot_id: b for b in counted}
    assert len(superseded) > 1_000
    for entry in superseded[:500]:
        loser, winner = by_id[entry.ballot_id], by_id[entry.by]
        assert loser.person == winner.person and loser.cast_at < winner.cast_at and loser.yes != winner.yes


def test_rejected_ballots_would_change_results_were_they_counted(houses, compared):
    """So the replay proves that a ballot verification rejected does not count."""
    tampered = [replace(h, ballots=[replace(b, counted=True) for b in h.ballots]) for h in houses]
    wrong = [r for r in count_replay(tampered) if not r.agrees]
    assert len(wrong) > 50


def test_the_command_prints_the_comparison_and_the_original_rule(capsys):
    assert main(["replay-2017"]) == 0
    out = capsys.readouterr().out
    assert "houses agreeing with the published share for and decision: 4,543 of 4,543" in out
    assert "published  4079      460       4" in out and "counted    4079      460       4" in out
    assert "245-ПП" in out
