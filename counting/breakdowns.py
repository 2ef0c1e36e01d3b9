"""Turnout and results of a poll broken down by who voted, where, when and how — safe to publish.

The input is one `VoterRecord` a ballot, with nothing personal in it (no name, flat or birth
date: the age band and gender are recorded when the ballot is cast). `breakdown()` counts them
by one `Dimension` and hides, by `counting.disclosure`, whatever would tell how neighbours voted.
During voting only turnout is published (`results=False` leaves yes and no out entirely).

Lines for complementary hiding: a breakdown's cells with its total; for districts, the districts
of each okrug, and for houses, the houses of each district, since the okrug and district totals are
published in their own breakdowns; in the age × gender table each age band and each gender, whose
totals the one-way tables publish. Margins are taken as public even where their own breakdown
hides them: that can hide more, never less.

Counting goes through `collections.Counter` over tuples built by C-level getters, so 400,000
ballots take a fraction of a second a dimension in pure Python.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from counting.disclosure import (DEFAULT_THRESHOLD, Counts, DisclosureRules, Hidden, Reason, Shown,
                                 Suppressed, own_rules, protect)
from verification.calendar import MOSCOW

AGE_BANDS = ("18–24", "25–34", "35–44", "45–59", "60–74", "75+")
_BAND_FLOORS = (18, 25, 35, 45, 60, 75)
GENDERS = ("f", "m")
CHANNELS = ("telegram", "paper")
UNKNOWN = "unknown"  # the cell of ballots whose age band or gender is not recorded
STATUSES = ("counted", "pending", "rejected")


class VoterRecord(NamedTuple):
    """One ballot as statistics see it: nothing that names a person or a flat."""

    okrug: str
    district: str
    unom: int
    age_band: str | None  # one of AGE_BANDS, or None when unknown
    gender: str | None  # "f" | "m" | None
    cast_at: datetime  # aware; shown by Moscow day and hour
    channel: str  # "telegram" | "paper"
    status: str  # "counted" | "pending" | "rejected"
    yes: bool | None  # the choice as counted; None unless status == "counted"


class Dimension(StrEnum):
    AGE = "age"
    GENDER = "gender"
    OKRUG = "okrug"
    DISTRICT = "district"
    HOUSE = "house"
    DAY = "day"
    HOUR = "hour"
    CHANNEL = "channel"
    AGE_GENDER = "age_gender"  # a two-way table: age band × gender


def age_band(birth: date, on: date) -> str | None:
    """The band of someone born on `birth`, on the day `on`; None under 18."""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    band = None
    for floor, name in zip(_BAND_FLOORS, AGE_BANDS):
        if age >= floor:
            band = name
    return band


Key = str | tuple[str, str]


@dataclass(frozen=True, slots=True)
class Cell:
    """One group's numbers as published; `yes` and `no` are None when results are not published."""

    key: Key
    ballots: Shown
    counted: Shown
    yes: Shown | None = None
    no: Shown | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": list(self.key) if isinstance(self.key, tuple) else self.key}
        reasons: dict[str, str] = {}
        for name in ("ballots", "counted", "yes", "no"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, Suppressed):
                out[name] = str(value)
                reasons[name] = value.reason.value
            else:
                out[name] = value
        if reasons:
            out["suppressed"] = reasons
        return out


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A dimension's cells in a stable order, and the total row, with disclosure control applied."""

    dimension: Dimension
    results: bool
    rules: DisclosureRules
    cells: tuple[Cell, ...]
    total: Cell

    def as_json(self) -> dict[str, Any]:
        return {"dimension": self.dimension.value, "results": self.results,
                "threshold": self.rules.threshold, "unanimous_below": self.rules.unanimous_bound,
                "cells": [cell.as_json() for cell in self.cells], "total": self.total.as_json()}


class Table(NamedTuple):
    """A dimension's exact counts before disclosure control: the cells in order and the lines."""

    keys: tuple[Key, ...]
    counts: tuple[Counts, ...]
    lines: tuple[tuple[int, ...], ...]
    total: Counts


def breakdown(records: Iterable[VoterRecord], dimension: Dimension | str, *, results: bool,
              threshold: int = DEFAULT_THRESHOLD, unanimous_below: int | None = None) -> Breakdown:
    """The records counted by `dimension`, with every disclosure rule applied.

    ValueError for a threshold under 5, an unknown age band, gender or status, a counted ballot
    without its choice, a naive `cast_at`, or a district in two okrugs (a house in two districts).
    """
    rules = DisclosureRules(threshold, unanimous_below)
    dimension = Dimension(dimension)
    table = tabulate(records, dimension)
    hidden = protect(table.counts, table.lines, rules)
    cells = tuple(_cell(key, counts, mask, rules, results)
                  for key, counts, mask in zip(table.keys, table.counts, hidden))
    total = _cell("total", table.total, own_rules(table.total, rules), rules, results)
    return Breakdown(dimension, results, rules, cells, total)


def turnout_share(ballots: Shown, eligible: int | None) -> float | None:
    """Ballots as a share of those entitled to vote (0..1), when both are known."""
    if isinstance(ballots, Suppressed) or not eligible:
        return None
    return ballots / eligible


def _cell(key: Key, counts: Counts, hidden: Hidden, rules: DisclosureRules, results: bool) -> Cell:
    def shown(value: int, reason: Reason | None) -> Shown:
        return value if reason is None else Suppressed(reason, rules.threshold)

    ballots, counted = shown(counts.ballots, hidden.turnout), shown(counts.counted, hidden.turnout)
    if not results:
        return Cell(key, ballots, counted)
    return Cell(key, ballots, counted, shown(counts.yes, hidden.results), shown(counts.no, hidden.results))


# --- counting ---------------------------------------------------------------------------------

# each getter gives (key parts..., status, yes): flat tuples hash fastest in the Counter
_GETTERS = {Dimension.AGE: itemgetter(3, 7, 8), Dimension.GENDER: itemgetter(4, 7, 8),
            Dimension.OKRUG: itemgetter(0, 7, 8), Dimension.DISTRICT: itemgetter(0, 1, 7, 8),
            Dimension.HOUSE: itemgetter(1, 2, 7, 8), Dimension.CHANNEL: itemgetter(6, 7, 8),
            Dimension.AGE_GENDER: itemgetter(3, 4, 7, 8)}
# a ballot's hour in its own time zone (UTC), with what rebuilds the moment; Moscow's offsets are
# whole hours, so that hour decides the Moscow day and hour
_HOUR_OF = attrgetter("year", "month", "day", "hour", "fold", "tzinfo")
_CAST_AT, _STATUS, _YES = itemgetter(5), itemgetter(7), itemgetter(8)


def tabulate(records: Iterable[VoterRecord], dimension: Dimension) -> Table:
    """The exact counts of `dimension`'s cells, in their published order, and their lines."""
    records = records if isinstance(records, Sequence) else list(records)
    if dimension in (Dimension.DAY, Dimension.HOUR):
        hours = Counter(zip(map(_HOUR_OF, map(_CAST_AT, records)), map(_STATUS, records), map(_YES, records)))
        by_key = _moscow_times(hours, dimension)
    else:
        by_key = _fold(Counter(map(_GETTERS[dimension], records)))
    if dimension is Dimension.AGE:
        return _one_way(_fixed(by_key, AGE_BANDS, _check_band), by_key)
    if dimension is Dimension.GENDER:
        return _one_way(_fixed(by_key, GENDERS, _check_gender), by_key)
    if dimension is Dimension.CHANNEL:
        return _one_way(_fixed(by_key, CHANNELS, str), by_key)
    if dimension is Dimension.OKRUG:
        return _one_way(sorted(by_key), by_key)
    if dimension is Dimension.HOUR:
        return _one_way([f"{hour:02d}" for hour in range(24)], by_key)
    if dimension is Dimension.DAY:
        return _one_way(_days(by_key), by_key)
    if dimension is Dimension.AGE_GENDER:
        return _two_way(by_key)
    return _nested(by_key, dimension)


def _fold(raw: Mapping[tuple[Any, ...], int]) -> dict[Any, Counts]:
    """(key parts..., status, yes) → number of ballots, folded into each key's Counts; a key of
    one part stands for itself, of two parts for the pair."""
    sums: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for item, n in raw.items():
        status, yes = item[-2], item[-1]
        numbers = sums[item[0] if len(item) == 3 else item[:-2]]
        numbers[0] += n
        if status == "counted":
            if yes is None:
                raise ValueError("a counted ballot has no choice (yes is None)")
            numbers[1] += n
            numbers[2 if yes else 3] += n
        elif status not in STATUSES:
            raise ValueError(f"unknown ballot status {status!r}; known: {', '.join(STATUSES)}")
    return {key: Counts(*numbers) for key, numbers in sums.items()}


def _moscow_times(raw: Mapping[tuple[tuple[Any, ...], str, bool | None], int],
                  dimension: Dimension) -> dict[Any, Counts]:
    moscow: Counter[tuple[str, str, bool | None]] = Counter()
    for ((year, month, day, hour, fold, tz), status, yes), n in raw.items():
        if tz is None:
            raise ValueError("cast_at must be timezone-aware (UTC)")
        moment = datetime(year, month, day, hour, fold=fold, tzinfo=tz)
        offset = moment.utcoffset()
        if offset is not None and offset % timedelta(hours=1):
            raise ValueError(f"cast_at must be in UTC, not in a zone {offset} from it")
        local = moment.astimezone(MOSCOW)
        key = local.date().isoformat() if dimension is Dimension.DAY else f"{local.hour:02d}"
        moscow[key, status, yes] += n
    return _fold(moscow)


def _check_band(key: str) -> str:
    if key not in AGE_BANDS:
        raise ValueError(f"unknown age band {key!r}; known: {', '.join(AGE_BANDS)}")
    return key


def _check_gender(key: str) -> str:
    if key not in GENDERS:
        raise ValueError(f"unknown gender {key!r}; known: {', '.join(GENDERS)}")
    return key


def _fixed(present: Iterable[str | None], known: Sequence[str], check: Callable[[str], str]) -> list[str]:
    """Every known value (even with no ballots: an empty group is hidden like a small one), then
    any other values present by key, then the unknown ones if any."""
    present = set(present)
    others = sorted(check(key) for key in present if key is not None and key not in known)
    return [*known, *others, *([UNKNOWN] if None in present else [])]


def _days(by_key: Mapping[str, Counts]) -> list[str]:
    """Every day from the first ballot's to the last's: a day without ballots is a cell too."""
    if not by_key:
        return []
    first, last = date.fromisoformat(min(by_key)), date.fromisoformat(max(by_key))
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _one_way(keys: Sequence[str], by_key: Mapping[Any, Counts]) -> Table:
    counts = tuple(by_key.get(None if key == UNKNOWN else key, Counts()) for key in keys)
    return Table(tuple(keys), counts, (tuple(range(len(keys))),), _sum(counts))


def _two_way(by_key: Mapping[tuple[str | None, str | None], Counts]) -> Table:
    bands = _fixed((band for band, _ in by_key), AGE_BANDS, _check_band)
    genders = _fixed((gender for _, gender in by_key), GENDERS, _check_gender)

    def known(name: str) -> str | None:
        return None if name == UNKNOWN else name

    keys = tuple((band, gender) for band in bands for gender in genders)
    counts = tuple(by_key.get((known(band), known(gender)), Counts()) for band, gender in keys)
    width = len(genders)
    rows = tuple(tuple(range(r * width, (r + 1) * width)) for r in range(len(bands)))
    columns = tuple(tuple(range(c, len(keys), width)) for c in range(width))
    return Table(keys, counts, rows + columns, _sum(counts))


def _nested(by_key: Mapping[tuple[Any, Any], Counts], dimension: Dimension) -> Table:
    """Districts (keyed by okrug, district) or houses (by district, unom): the cells by their own
    key, one line for each parent's cells."""
    parent_of: dict[Any, Any] = {}
    for parent, child in by_key:
        if parent_of.setdefault(child, parent) != parent:
            what = "district" if dimension is Dimension.DISTRICT else "house"
            raise ValueError(f"{what} {child!r} is in both {parent_of[child]!r} and {parent!r}")
    children = sorted(parent_of)
    counts = tuple(by_key[parent_of[child], child] for child in children)
    groups: dict[Any, list[int]] = defaultdict(list)
    for i, child in enumerate(children):
        groups[parent_of[child]].append(i)
    lines = tuple(tuple(groups[parent]) for parent in sorted(groups))
    return Table(tuple(str(child) for child in children), counts, lines, _sum(counts))


def _sum(counts: Iterable[Counts]) -> Counts:
    return Counts(*(sum(column) for column in zip(Counts(), *counts)))
