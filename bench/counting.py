"""The counting engine (`counting/`): every house's decision from its flats, exact arithmetic.

Houses: the 4,543 of the 2017 renovation vote (their unom, their published share for among
voters, whether a general meeting's protocol decided them). Flats and ballots are synthetic and
deterministic (seed 2017): 100 to 200 flats a house, about 45 % of them voting, a ballot for
with the house's published probability; a few flats with two or three owners (shares), a few
split equally (undecided), and a few voters who voted for their flat in the bot and on paper.

Rows (default rules: proportional silent flats, over 2/3 strictly, undecided in the total):
- `house_counts` + `count_poll` over the ~310,000 flat tallies those ballots make, best of 3
  (goal ≤ 0.3 s), against, in the same process, the same count with floats in a naive loop: the
  ratio is what exact fractions cost (below 1: the engine is slower); the baseline's accuracy,
  how many houses the floats decide otherwise.
- `flat_tallies` over the ~320,000 counted ballots, best of 3.
"""
from __future__ import annotations

import csv
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from bench.table import Row
from bot.demo import HOUSES_CSV
from counting.ballots import ONLINE, PAPER, CountedBallot, FlatTally, flat_tallies
from counting.houses import Decision, Protocol, count_poll, house_counts
from counting.rules import CountingRules

SEED = 2017
RUNS = 3
GOAL_S = 0.3
VOTING = 0.45
MULTI_OWNER = 0.02  # of the voting flats: two or three owners, each with a share
UNDECIDED = 0.01  # of the voting flats: two owners, one for and one against
TWO_CHANNELS = 0.01  # of the ballots: the voter voted for the flat in the bot and on paper too
OPENED = datetime(2017, 5, 15, 8)
_SHARES = ((Fraction(1, 2), Fraction(1, 2)), (Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)),
           (Fraction(2, 3), Fraction(1, 3)))


def _houses() -> list[tuple[int, float, bool]]:
    """Each house's unom, its published share for among voters and whether a protocol decided it."""
    with HOUSES_CSV.open(encoding="utf-8", newline="") as file:
        return [(int(row["unom"]), float(row["for_pct"]) / 100, row["general_meeting_protocol"] == "1")
                for row in csv.DictReader(file)]


def _world(houses: list[tuple[int, float, bool]]
           ) -> tuple[dict[int, int], dict[int, Protocol], list[CountedBallot]]:
    """Flats a house, the protocols, and the voting flats' counted ballots."""
    rng = random.Random(SEED)
    flats_total: dict[int, int] = {}
    protocols: dict[int, Protocol] = {}
    ballots: list[CountedBallot] = []
    for unom, p_for, protocol in houses:
        flats = flats_total[unom] = rng.randint(100, 200)
        if protocol:
            protocols[unom] = Protocol(p_for > 2 / 3, date(2017, 6, 1), f"ОСС-{unom}")
        for number in range(1, flats + 1):
            if rng.random() >= VOTING:
                continue
            flat, draw = str(number), rng.random()
            if draw < MULTI_OWNER:
                votes = [(share, rng.random() < p_for) for share in rng.choice(_SHARES)]
            elif draw < MULTI_OWNER + UNDECIDED:
                votes = [(Fraction(1, 2), True), (Fraction(1, 2), False)]
            else:
                votes = [(Fraction(1), rng.random() < p_for)]
            for owner, (share, yes) in enumerate(votes):
                at = OPENED + timedelta(minutes=rng.randrange(60 * 24 * 30))
                person = f"{unom}:{flat}:{owner}"
                ballots.append(CountedBallot(len(ballots) + 1, unom, flat, person, yes, at, ONLINE, share))
                if rng.random() < TWO_CHANNELS:
                    ballots.append(CountedBallot(len(ballots) + 1, unom, flat, person, rng.random() < p_for,
                                                 at + timedelta(days=rng.randint(1, 5)), PAPER, share))
    return flats_total, protocols, ballots


def _best_of(runs: int, work: Callable[[], Any]) -> tuple[list[float], Any]:
    """Seconds of each run, and the last run's result."""
    times: list[float] = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return times, result


def _float_count(tallies: list[FlatTally], flats_total: dict[int, int],
                 protocols: dict[int, Protocol]) -> dict[int, str]:
    """The baseline: the same decisions with floats, one naive loop over the flats."""
    positions = {house: [0, 0, 0] for house in flats_total}
    for tally in tallies:
        yes, no = float(tally.for_weight), float(tally.against_weight)
        positions.setdefault(tally.house, [0, 0, 0])[0 if yes > no else 1 if no > yes else 2] += 1
    decisions: dict[int, str] = {}
    for house, (yes, no, undecided) in positions.items():
        total = flats_total.get(house)
        silent = total - yes - no - undecided if total is not None else 0
        if total is None or silent < 0 or not yes + no:
            decision = Decision.NO_DECISION.value
        else:
            effective = yes + silent * yes / (yes + no)
            decision = (Decision.INCLUDED if effective > 2 / 3 * total else Decision.EXCLUDED).value
        if house in protocols:
            decision = (Decision.INCLUDED if protocols[house].included else Decision.EXCLUDED).value
        decisions[house] = decision
    return decisions


def _times_row(what: str, n: int, times: list[float], **extra: Any) -> Row:
    best = min(times)
    return Row(what, n, per_second=n / best, p50_ms=1000 * statistics.median(times),
               p99_ms=1000 * max(times), **extra)


def rows() -> list[Row]:
    houses = _houses()
    flats_total, protocols, ballots = _world(houses)
    rules = CountingRules()
    tallies, _ = flat_tallies(ballots, rules)

    times, (results, totals) = _best_of(
        RUNS, lambda: count_poll(house_counts(tallies, flats_total, protocols), rules))
    float_times, floats = _best_of(RUNS, lambda: _float_count(tallies, flats_total, protocols))
    differ = sum(1 for result in results if floats[result.house] != result.decision.value)
    best, float_best = min(times), min(float_times)
    decided = ", ".join(f"{name} {count:,}" for name, count in totals.decisions.items())
    engine = _times_row(
        f"counting engine over {len(houses):,} houses' flat tallies (the 2017 houses, synthetic "
        f"tallies), {len(tallies):,} flats, best of {RUNS}", len(houses), times,
        accuracy=f"best {1000 * best:.0f} ms, goal ≤ {1000 * GOAL_S:.0f} ms "
                 f"({'met' if best <= GOAL_S else 'MISSED'}); {decided}",
        baseline=f"floats, naive loop: {1000 * float_best:.0f} ms", ratio=float_best / best)
    baseline = _times_row(f"baseline: the same count with floats in a naive loop, best of {RUNS}",
                          len(houses), float_times,
                          accuracy=f"{differ:,} of {len(houses):,} decisions differ from the exact count")

    rules_times, (flat_rows, superseded) = _best_of(RUNS, lambda: flat_tallies(ballots, rules))
    ballot_row = _times_row(
        f"flat_tallies over {len(ballots):,} counted ballots (multi-owner flats, bot + paper "
        f"duplicates), best of {RUNS}", len(ballots), rules_times,
        accuracy=f"{len(flat_rows):,} flats, {len(superseded):,} superseded; best {1000 * min(rules_times):.0f} ms")
    return [engine, baseline, ballot_row]
