"""A house's decision from its flats' positions, and the poll's totals.

The 2017 rule (245-ПП п. 7.1.1, with 326-ПП п. 6.9(1)): the flats counted for, after the silent
flats (no counted ballot) are shared out, must exceed 2/3 of all the house's flats. A general
meeting's protocol takes precedence over the online count for its house (п. 7.1.2). Arithmetic is
exact (fractions): a house exactly at the threshold is not included.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction

from counting.ballots import CountedBallot, FlatTally, FlatVotes, Position, Superseded, flat_tallies
from counting.rules import CountingRules, SilentFlats


class Decision(StrEnum):
    INCLUDED = "included"
    EXCLUDED = "excluded"
    NO_DECISION = "no_decision"


class Why(StrEnum):
    """The reason for a house's decision, as a stable code."""

    OVER_THRESHOLD = "over_threshold"  # effective for > threshold × total
    NOT_OVER_THRESHOLD = "not_over_threshold"
    PROTOCOL = "protocol"  # a general meeting decided
    NO_VOTES = "no_votes"  # no flat counted for or against
    FLATS_UNKNOWN = "flats_unknown"  # the house's number of flats is not known
    MORE_VOTED_THAN_FLATS = "more_voted_than_flats"  # the known number of flats is too small


@dataclass(frozen=True, slots=True)
class Protocol:
    """A general meeting of owners' decision for a house, imported by an operator."""

    included: bool
    held_on: date
    number: str


@dataclass(frozen=True, slots=True)
class HouseCount:
    """What the engine is given for one house."""

    house: Hashable
    flats_total: int | None
    for_flats: int = 0
    against_flats: int = 0
    undecided_flats: int = 0
    protocol: Protocol | None = None


@dataclass(frozen=True, slots=True)
class HouseResult:
    """A house's result and the numbers in its formula: effective_for > threshold × base."""

    house: Hashable
    flats_total: int | None
    for_flats: int
    against_flats: int
    undecided_flats: int
    silent_flats: int
    silent_for: Fraction  # the silent flats' share added to for
    silent_against: Fraction
    effective_for: Fraction
    effective_against: Fraction
    base: Fraction  # "all its flats" as the rules count them
    threshold: Fraction
    decision: Decision
    why: Why
    protocol: Protocol | None = None
    count_decision: Decision | None = None  # what the online count alone decided, under a protocol

    @property
    def for_pct(self) -> float | None:
        return float(100 * self.effective_for / self.base) if self.base else None

    @property
    def against_pct(self) -> float | None:
        return float(100 * self.effective_against / self.base) if self.base else None


def count_house(house: HouseCount, rules: CountingRules) -> HouseResult:
    decided = house.for_flats + house.against_flats
    voted = decided + house.undecided_flats
    total = house.flats_total
    silent = total - voted if total is not None else 0
    # the silent flats' shares as numerators over one denominator: ints until the result is built
    share_for = share_against = 0
    denominator = 1
    if rules.silent is SilentFlats.PROPORTIONAL and decided and silent > 0:
        share_for, share_against, denominator = silent * house.for_flats, silent * house.against_flats, decided
    elif rules.silent is SilentFlats.FOR and silent > 0:
        share_for = silent
    base = total or 0
    if rules.silent is SilentFlats.IGNORED:
        base -= max(silent, 0)
    if not rules.undecided_in_total:
        base -= house.undecided_flats
    for_numerator = house.for_flats * denominator + share_for
    threshold = rules.threshold
    if total is None:
        decision, why = Decision.NO_DECISION, Why.FLATS_UNKNOWN
    elif silent < 0:
        decision, why = Decision.NO_DECISION, Why.MORE_VOTED_THAN_FLATS
    elif not decided:
        decision, why = Decision.NO_DECISION, Why.NO_VOTES
    elif for_numerator * threshold.denominator > threshold.numerator * base * denominator:  # > threshold × base
        decision, why = Decision.INCLUDED, Why.OVER_THRESHOLD
    else:
        decision, why = Decision.EXCLUDED, Why.NOT_OVER_THRESHOLD
    counted = None
    if house.protocol is not None:
        counted = decision
        decision = Decision.INCLUDED if house.protocol.included else Decision.EXCLUDED
        why = Why.PROTOCOL
    return HouseResult(house.house, total, house.for_flats, house.against_flats, house.undecided_flats,
                       max(silent, 0), Fraction(share_for, denominator), Fraction(share_against, denominator),
                       Fraction(for_numerator, denominator),
                       Fraction(house.against_flats * denominator + share_against, denominator),
                       Fraction(base), threshold, decision, why, house.protocol, counted)


def house_counts(tallies: Iterable[FlatTally], flats_total: Mapping[Hashable, int | None],
                 protocols: Mapping[Hashable, Protocol] | None = None) -> list[HouseCount]:
    """Every house of `flats_total` (its key → its number of flats) with its flats' positions."""
    positions: dict[Hashable, list[int]] = {house: [0, 0, 0] for house in flats_total}  # for, against, undecided
    for_, against = Position.FOR, Position.AGAINST
    for tally in tallies:
        counts = positions.get(tally.house)
        if counts is None:
            counts = positions[tally.house] = [0, 0, 0]
        position = tally.position
        counts[0 if position is for_ else 1 if position is against else 2] += 1
    protocols = protocols or {}
    return [HouseCount(house, flats_total.get(house), *counts, protocols.get(house))
            for house, counts in positions.items()]


def house_counts_from_votes(flats: Iterable[FlatVotes], doubles: Iterable[CountedBallot], rules: CountingRules,
                            flats_total: Mapping[Hashable, int | None],
                            protocols: Mapping[Hashable, Protocol] | None = None
                            ) -> tuple[list[HouseCount], list[Superseded]]:
    """What `house_counts(flat_tallies(ballots))` makes of the same ballots, from each flat's
    totals and the ballots of the people who voted for a flat on more than one channel (only they
    need the rules to choose): the superseded ones are taken out of their flat's totals. For
    ballots of share 1 each, as a database keeps them (it stores no shares), so a flat's position
    compares two whole numbers and no flat becomes an object (a city has 280,000 that voted)."""
    doubles = list(doubles)
    _kept, superseded = flat_tallies(doubles, rules)  # the same rule picks the one that counts
    losers = {s.ballot_id for s in superseded}
    taken: dict[Hashable, list[int]] = {}  # flat → [for, against] taken out
    for ballot in doubles:
        if ballot.ballot_id in losers:
            taken.setdefault(ballot.flat, [0, 0])[0 if ballot.yes else 1] += 1
    positions: dict[Hashable, list[int]] = {house: [0, 0, 0] for house in flats_total}  # for, against, undecided
    for house, flat, yes, ballots, _paper in flats:
        against = ballots - yes
        if flat in taken:
            yes, against = yes - taken[flat][0], against - taken[flat][1]
        counts = positions.get(house)
        if counts is None:
            counts = positions[house] = [0, 0, 0]
        counts[0 if yes > against else 1 if against > yes else 2] += 1
    protocols = protocols or {}
    return [HouseCount(house, flats_total.get(house), *counts, protocols.get(house))
            for house, counts in positions.items()], superseded


@dataclass(frozen=True, slots=True)
class PollTotals:
    houses: int
    decisions: Mapping[str, int] = field(default_factory=dict)
    by_protocol: int = 0
    flats_voted: int = 0


def count_poll(houses: Iterable[HouseCount], rules: CountingRules) -> tuple[list[HouseResult], PollTotals]:
    results = [count_house(house, rules) for house in houses]
    decisions = Counter(result.decision.value for result in results)
    totals = PollTotals(
        houses=len(results), decisions={d.value: decisions.get(d.value, 0) for d in Decision},
        by_protocol=sum(1 for r in results if r.protocol is not None),
        flats_voted=sum(r.for_flats + r.against_flats + r.undecided_flats for r in results))
    return results, totals
