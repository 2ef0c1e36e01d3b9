"""Disclosure control for published statistics: which numbers of a breakdown are hidden, and why.

The city's 2017 position was that it had no right to disclose how specific neighbours voted, so a
small group's numbers are never shown, nor anything that would give them back by subtraction.
Each rule is explicit and deterministic (no noise, no randomness): the same ballots give the same
pattern on every refresh, so comparing two refreshes of the same data reveals nothing.

- small: a cell with fewer than k ballots hides every number in it; its results (yes, no) are
  also hidden when fewer than k of its ballots are counted.
- unanimous: when a cell's yes or no is 0 and it has fewer than `unanimous_below` counted
  ballots (default 2·k), its yes and no are hidden; its turnout may still show.
- complementary: a line is a set of cells whose sum is public (the breakdown's total, a row or
  column of a two-way table, the districts of one okrug). A line with exactly one hidden cell
  would give it back by subtraction, so its next smallest shown cell is hidden too (ties by the
  cell's place in the breakdown), over all lines until nothing changes.

Turnout (ballots, counted) and results (yes, no) are hidden as two units per cell: yes + no =
counted, so hiding one of yes and no alone, or counted without yes and no, would leak it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

DEFAULT_THRESHOLD = 10
MIN_THRESHOLD = 5


class Reason(StrEnum):
    """Why a number is hidden, as a stable code."""

    SMALL = "small"  # the cell has fewer than k ballots (or, for results, counted ballots)
    COMPLEMENTARY = "complementary"  # hidden so that another hidden number cannot be subtracted out
    UNANIMOUS = "unanimous"  # everyone in a small group chose the same


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A hidden number: published as "< k" with the reason, never as its value."""

    reason: Reason
    threshold: int

    def __str__(self) -> str:
        return f"< {self.threshold}"


Shown = int | Suppressed  # a number as published: exact, or hidden


@dataclass(frozen=True, slots=True)
class DisclosureRules:
    """k and the unanimity bound; k under 5 is refused, so no setting can show tiny groups."""

    threshold: int = DEFAULT_THRESHOLD
    unanimous_below: int | None = None  # None: 2·k

    def __post_init__(self) -> None:
        if self.threshold < MIN_THRESHOLD:
            raise ValueError(f"the disclosure threshold must be at least {MIN_THRESHOLD}, not {self.threshold}")
        if self.unanimous_below is None:
            object.__setattr__(self, "unanimous_below", 2 * self.threshold)
        elif self.unanimous_below < self.threshold:
            raise ValueError(f"unanimous_below must be at least the threshold ({self.threshold}), "
                             f"not {self.unanimous_below}")

    @property
    def unanimous_bound(self) -> int:
        assert self.unanimous_below is not None  # set in __post_init__
        return self.unanimous_below


class Counts(NamedTuple):
    """A cell's exact numbers, before disclosure control."""

    ballots: int = 0
    counted: int = 0
    yes: int = 0
    no: int = 0


class Hidden(NamedTuple):
    """What disclosure control hides in one cell: its turnout and its results, each with a reason."""

    turnout: Reason | None
    results: Reason | None


def own_rules(counts: Counts, rules: DisclosureRules) -> Hidden:
    """The rules that look at one cell alone (small, unanimous); applied to a total row as is."""
    if counts.ballots < rules.threshold:
        return Hidden(Reason.SMALL, Reason.SMALL)
    if counts.counted < rules.threshold:
        return Hidden(None, Reason.SMALL)
    if (counts.yes == 0 or counts.no == 0) and counts.counted < rules.unanimous_bound:
        return Hidden(None, Reason.UNANIMOUS)
    return Hidden(None, None)


def protect(cells: Sequence[Counts], lines: Sequence[Sequence[int]], rules: DisclosureRules) -> list[Hidden]:
    """Each cell's hidden parts. `lines`: lists of cell indices whose sums are public.

    Turnout is settled first, from ballots alone, so the turnout pattern during voting is the one
    kept after publication; a cell whose turnout is hidden has its results hidden too.
    """
    own = [own_rules(counts, rules) for counts in cells]
    turnout = {i: hidden.turnout for i, hidden in enumerate(own) if hidden.turnout is not None}
    _complete(turnout, lines, lambda i: cells[i].ballots)
    results = {i: hidden.results for i, hidden in enumerate(own) if hidden.results is not None}
    for i, reason in turnout.items():
        results.setdefault(i, reason)
    _complete(results, lines, lambda i: cells[i].counted)
    return [Hidden(turnout.get(i), results.get(i)) for i in range(len(cells))]


def _complete(hidden: dict[int, Reason], lines: Sequence[Sequence[int]], size: Callable[[int], int]) -> None:
    """Hide, in every line with a single hidden cell, its smallest shown cell, until stable."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            inside = sum(1 for i in line if i in hidden)
            if inside != 1:
                continue
            shown = [i for i in line if i not in hidden]
            if not shown:  # a line of one cell: its sum is the cell itself, hidden by the same rules
                continue
            hidden[min(shown, key=lambda i: (size(i), i))] = Reason.COMPLEMENTARY
            changed = True
