"""The 2017 renovation vote replayed from ballots.

For each of the 4,543 houses a deterministic generator (seeded by the house's unom) builds flats,
their voters and ballots whose count, by the 326-ПП rules, gives the city's published result: the
share for to the integer, and the decision (4,079 included, 460 excluded, 4 decided otherwise).
The ballots are as varied as a real vote's: flats with one to three owners, tied flats, silent
flats, ballots verification rejected (which must not count), votes changed before the close, paper
ballots from the service centres, people who voted on both channels (the later ballot counts),
and the general meetings' protocols of the houses that sent one.

Only the published result is real; every ballot here is made up.
"""
from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from counting.ballots import ONLINE, PAPER, CountedBallot, flat_tallies
from counting.houses import HouseResult, Protocol, count_poll, house_counts
from counting.rules import CountingRules, SilentFlats

OPENED = datetime(2017, 5, 15, 9, 0, tzinfo=UTC)
VOTING_DAYS = 31
OFFICIAL = {"included": "included", "excluded": "excluded", "special": "no_decision"}


@dataclass(frozen=True, slots=True)
class OfficialHouse:
    unom: int
    address: str
    okrug: str
    district: str
    for_pct: int
    status: str  # included | excluded | special
    protocol: bool


@dataclass(frozen=True, slots=True)
class ReplayBallot:
    """A ballot as the registries left it: counted or not, and what it says."""

    ballot: CountedBallot
    counted: bool
    changed_from_yes: bool | None = None  # the choice before the resident changed it, if they did


@dataclass
class ReplayHouse:
    official: OfficialHouse
    flats_total: int
    ballots: list[ReplayBallot]
    protocol: Protocol | None


def official_houses(path: Path) -> list[OfficialHouse]:
    with path.open(encoding="utf-8", newline="") as source:
        return [OfficialHouse(int(row["unom"]), row["address"], row["okrug"], row["district"],
                              round(float(row["for_pct"])), row["status"], row["general_meeting_protocol"] == "1")
                for row in csv.DictReader(source)]


def _pct(for_flats: int, decided: int, undecided: int, total: int) -> Fraction:
    """The share for after proportional sharing, with undecided flats in the total (326-ПП)."""
    return Fraction(100 * for_flats * (total - undecided), decided * total)


def _flat_counts(house: OfficialHouse, rng: random.Random) -> tuple[int, int, int, int]:
    """(flats, for, against, undecided) whose count gives the house's published share and decision."""
    included = house.status == "included"
    for _attempt in range(200):
        total = rng.randint(40, 200)
        decided = max(3, round(total * rng.uniform(0.25, 0.6)))
        undecided = 1 if decided > 12 and rng.random() < 0.2 and house.for_pct not in (0, 100) else 0
        if decided + undecided > total:
            continue
        for_flats = round(house.for_pct * decided * total / (100 * (total - undecided)))
        if not 0 <= for_flats <= decided:
            continue
        pct = _pct(for_flats, decided, undecided, total)
        # the published figure is a whole percent: keep clear of rounding's edge
        if abs(pct - house.for_pct) >= Fraction(45, 100):
            continue
        if (3 * pct > 200) != included:
            continue
        return total, for_flats, decided - for_flats, undecided
    raise ValueError(f"no flat counts give house {house.unom} its published result")


class _Voters:
    """Ballot ids, person digests and moments for one house, from its own seed."""

    def __init__(self, house: OfficialHouse, rng: random.Random, first_id: int) -> None:
        self.house, self.rng, self.next_id = house, rng, first_id
        self.ballots: list[ReplayBallot] = []

    def moment(self) -> datetime:
        return OPENED + timedelta(seconds=self.rng.randrange(VOTING_DAYS * 86_400))

    def add(self, flat: str, person: int, yes: bool, *, share: Fraction = Fraction(1), counted: bool = True,
            channel: str = ONLINE, at: datetime | None = None, changed: bool = False) -> CountedBallot:
        ballot = CountedBallot(self.next_id, self.house.unom, flat, f"{self.house.unom}:{flat}:{person}", yes,
                               at or self.moment(), channel, share)
        self.next_id += 1
        self.ballots.append(ReplayBallot(ballot, counted, (not yes) if changed else None))
        return ballot

    def flat(self, flat: str, choices: list[bool]) -> None:
        """A flat whose counted ballots say `choices`, with the extras a real vote has."""
        share = Fraction(1, len(choices))
        for person, yes in enumerate(choices):
            roll = self.rng.random()
            if roll < 0.02:  # voted on paper and in the bot: the later ballot is the one that counts
                first = self.moment()
                self.add(flat, person, not yes, share=share, channel=PAPER, at=first)
                self.add(flat, person, yes, share=share, at=first + timedelta(hours=self.rng.randint(1, 48)))
            elif roll < 0.07:
                self.add(flat, person, yes, share=share, channel=PAPER)
            else:
                self.add(flat, person, yes, share=share, changed=roll > 0.95)
        if self.rng.random() < 0.03:  # somebody whom the registries did not confirm
            self.add(flat, len(choices), not choices[0], counted=False)


def _owners(rng: random.Random) -> int:
    roll = rng.random()
    return 1 if roll < 0.7 else 2 if roll < 0.9 else 3


def replay_house(house: OfficialHouse, first_id: int = 1) -> ReplayHouse:
    rng = random.Random(house.unom * 2_017 + 1)
    voters = _Voters(house, rng, first_id)
    if house.status == "special":  # decided otherwise: no ballot was counted
        total = rng.randint(40, 200)
        for flat in rng.sample(range(1, total + 1), 3):
            voters.add(str(flat), 0, rng.random() < 0.5, counted=False)
        return ReplayHouse(house, total, voters.ballots, None)
    total, for_flats, against_flats, undecided = _flat_counts(house, rng)
    flats = [str(n) for n in range(1, total + 1)]
    rng.shuffle(flats)
    for flat in flats[:for_flats]:
        owners = _owners(rng)
        voters.flat(flat, [True] * owners if owners < 3 else [True, True, False])
    for flat in flats[for_flats:for_flats + against_flats]:
        owners = _owners(rng)
        voters.flat(flat, [False] * owners if owners < 3 else [False, False, True])
    for flat in flats[for_flats + against_flats:for_flats + against_flats + undecided]:
        voters.flat(flat, [True, False])
    protocol = None
    if house.protocol:
        protocol = Protocol(included=house.status == "included",
                            held_on=date(2017, 5, 20) + timedelta(days=rng.randrange(25)),
                            number=f"{house.unom}/2017")
    return ReplayHouse(house, total, voters.ballots, protocol)


def replay(path: Path) -> Iterator[ReplayHouse]:
    """Every house of the published results, replayed; ballot ids unique across the city."""
    next_id = 1
    for house in official_houses(path):
        replayed = replay_house(house, next_id)
        next_id += len(replayed.ballots)
        yield replayed


@dataclass(frozen=True, slots=True)
class Replayed:
    """A house's published result beside the one counted from its replayed ballots."""

    official: OfficialHouse
    result: HouseResult
    by_245: HouseResult  # the same ballots by the original rule: silent flats counted as for

    @property
    def agrees(self) -> bool:
        if self.result.decision.value != OFFICIAL[self.official.status]:
            return False
        return self.official.status == "special" or round(self.result.for_pct or 0) == self.official.for_pct


def count_replay(houses: list[ReplayHouse], rules: CountingRules = CountingRules()) -> list[Replayed]:
    """The replayed ballots counted as verification left them: only counted ballots count."""
    ballots = [b.ballot for house in houses for b in house.ballots if b.counted]
    tallies, _superseded = flat_tallies(ballots, rules)
    counts = house_counts(tallies, {h.official.unom: h.flats_total for h in houses},
                          {h.official.unom: h.protocol for h in houses if h.protocol is not None})
    results, _totals = count_poll(counts, rules)
    original, _ = count_poll(counts, replace(rules, silent=SilentFlats.FOR))
    return [Replayed(house.official, result, by_245)
            for house, result, by_245 in zip(houses, results, original, strict=True)]
