"""Which counted ballots decide a flat, and what each flat says.

Who votes for a flat: its owners and social tenants whose ballots verification counted. A person
has one ballot per flat (the ballot row keeps the person's latest choice); when they voted on two
channels, the rules' `two_channels` picks one and the other is superseded, never both counted.
A flat's position is the majority of its ballots, by head or by ownership share; an equal split
makes it undecided.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple
from fractions import Fraction

from counting.rules import CountingRules, TwoChannels

ONLINE = "telegram"
PAPER = "paper"


class Position(StrEnum):
    FOR = "for"
    AGAINST = "against"
    UNDECIDED = "undecided"


class CountedBallot(NamedTuple):
    """A ballot verification counted, as the count needs it: no name, no identifier.

    A named tuple: a count makes hundreds of thousands, and a tuple is made several times faster
    than a frozen dataclass."""

    ballot_id: int
    house: Hashable  # the house's key (its id or unom)
    flat: Hashable  # the flat within the house: its number, or its id in a database
    person: str  # a keyed digest of the person: the same person on two channels has the same one
    yes: bool
    cast_at: datetime | str | int  # when it was cast; only compared, so a database's sortable form will do
    channel: str = ONLINE
    share: Fraction = Fraction(1)  # the voter's ownership share (1 for a social tenant)


class FlatTally(NamedTuple):
    """One flat's ballots added up (a named tuple, as `CountedBallot`: a count makes many)."""

    house: Hashable
    flat: str
    for_weight: Fraction
    against_weight: Fraction
    ballots: int

    @property
    def position(self) -> Position:
        # exact, and much faster than comparing the two fractions (a count compares 300,000)
        for_weight, against_weight = self.for_weight, self.against_weight
        left = for_weight.numerator * against_weight.denominator
        right = against_weight.numerator * for_weight.denominator
        if left > right:
            return Position.FOR
        if right > left:
            return Position.AGAINST
        return Position.UNDECIDED


@dataclass(frozen=True, slots=True)
class Superseded:
    ballot_id: int
    by: int  # the ballot that counts instead


def flat_tallies(ballots: Iterable[CountedBallot], rules: CountingRules
                 ) -> tuple[list[FlatTally], list[Superseded]]:
    """Each flat's tally from the counted ballots, and the ballots a second channel superseded."""
    kept: dict[tuple[Hashable, Hashable, str], CountedBallot] = {}
    losers: list[tuple[int, tuple[Hashable, Hashable, str]]] = []
    keep = kept.setdefault
    for ballot in ballots:
        key = ballot[1:4]  # (house, flat, person): a slice is made in C, 400,000 times
        other = keep(key, ballot)
        if other is ballot:
            continue
        winner, loser = (ballot, other) if _prevails(ballot, other, rules.two_channels) else (other, ballot)
        kept[key] = winner
        losers.append((loser.ballot_id, key))
    # by the ballot that counts in the end: of three ballots, never the one superseded in turn
    superseded = [Superseded(loser, kept[key].ballot_id) for loser, key in losers]
    weights: dict[tuple[Hashable, Hashable], list] = {}
    weighted = rules.weighted_by_share
    for key, ballot in kept.items():
        entry = weights.get(key[:2])
        if entry is None:
            entry = weights[key[:2]] = [0, 0, 0]
        weight = 1
        if weighted:  # whole weights add up as ints (fractions are slow), a real share as a fraction
            share = ballot.share
            weight = share.numerator if share.denominator == 1 else share
        entry[0 if ballot.yes else 1] += weight
        entry[2] += 1
    tallies = [FlatTally(house, flat, _exact(w[0]), _exact(w[1]), w[2]) for (house, flat), w in weights.items()]
    return tallies, superseded


class FlatVotes(NamedTuple):
    """A flat's counted ballots added up where they are kept (a database), each ballot once: the
    same person's ballots on two channels are told apart afterwards (`counting.houses.
    house_counts_from_votes`). Any tuple of these five will do."""

    house: Hashable
    flat: Hashable
    yes: int
    ballots: int
    paper: int  # of them on paper: a person has one ballot a channel, so two only beside one on paper


_WHOLE = tuple(Fraction(n) for n in range(64))


def _exact(weight: int | Fraction) -> Fraction:
    """The weight as a fraction; the small whole ones shared (fractions are immutable)."""
    # `type() is int`, not isinstance(…, Fraction): Fraction's ABC check costs more than the rest
    if type(weight) is not int:
        return weight
    return _WHOLE[weight] if 0 <= weight < len(_WHOLE) else Fraction(weight)


def _prevails(ballot: CountedBallot, other: CountedBallot, rule: TwoChannels) -> bool:
    """Whether `ballot` counts rather than `other` (the same person, the same flat)."""
    if rule is not TwoChannels.LATER:
        wanted = ONLINE if rule is TwoChannels.ONLINE else PAPER
        # only when just one of the two is on the wanted channel: two others go by time, whatever
        # order they come in
        if (ballot.channel == wanted) != (other.channel == wanted):
            return ballot.channel == wanted
    return (ballot.cast_at, ballot.ballot_id) > (other.cast_at, other.ballot_id)
