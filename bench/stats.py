"""Published statistics (`counting/breakdowns.py`): every breakdown of 400,000 ballots.

Ballots are synthetic and deterministic (seed 2017), spread over the 4,543 houses of the 2017
renovation vote (their okrugs and districts): age band and gender drawn with a few unknown, cast
over 15 days at any hour, 5 % on paper, 90 % counted (for with the house's published share),
the rest pending or rejected.

Row: `breakdown` by every dimension (9, the age × gender table included) with results and the
default k = 10, best of 3; goal ≤ 1.5 s for all nine. Accuracy: how many cells the rules hid.
"""
from __future__ import annotations

import csv
import random
import statistics
import time
from datetime import datetime, timedelta, timezone

from bench.table import Row
from bot.demo import HOUSES_CSV
from counting.breakdowns import AGE_BANDS, Breakdown, Dimension, VoterRecord, breakdown
from counting.disclosure import Suppressed

SEED = 2017
BALLOTS = 400_000
RUNS = 3
GOAL_S = 1.5
OPENED = datetime(2017, 5, 15, 5, tzinfo=timezone.utc)  # 08:00 in Moscow
DAYS = 15


def records(n: int = BALLOTS, seed: int = SEED) -> list[VoterRecord]:
    """`n` ballots over the 2017 houses, the same every run."""
    with HOUSES_CSV.open(encoding="utf-8", newline="") as file:
        houses = [(row["okrug"], row["district"], int(row["unom"]), float(row["for_pct"]) / 100)
                  for row in csv.DictReader(file)]
    rng = random.Random(seed)
    bands = [*AGE_BANDS, None]
    band_weights = [8, 17, 18, 24, 25, 6, 2]
    out: list[VoterRecord] = []
    for _ in range(n):
        okrug, district, unom, p_for = rng.choice(houses)
        draw = rng.random()
        status = "counted" if draw < 0.9 else "pending" if draw < 0.97 else "rejected"
        yes = rng.random() < p_for if status == "counted" else None
        out.append(VoterRecord(
            okrug, district, unom, rng.choices(bands, band_weights)[0],
            rng.choices(("f", "m", None), (54, 44, 2))[0],
            OPENED + timedelta(seconds=rng.randrange(DAYS * 24 * 3600)),
            "paper" if rng.random() < 0.05 else "telegram", status, yes))
    return out


def _every_dimension(ballots: list[VoterRecord]) -> list[Breakdown]:
    return [breakdown(ballots, dimension, results=True) for dimension in Dimension]


def _hidden(result: Breakdown) -> int:
    return sum(1 for cell in result.cells if isinstance(cell.ballots, Suppressed)
               or isinstance(cell.yes, Suppressed))


def rows() -> list[Row]:
    ballots = records()
    times: list[float] = []
    results: list[Breakdown] = []
    for _ in range(RUNS):
        started = time.perf_counter()
        results = _every_dimension(ballots)
        times.append(time.perf_counter() - started)
    best = min(times)
    cells = sum(len(result.cells) for result in results)
    hidden = sum(_hidden(result) for result in results)
    houses = next(result for result in results if result.dimension is Dimension.HOUSE)
    return [Row(
        f"breakdown by all {len(results)} dimensions (k = 10, with results) of {len(ballots):,} "
        f"synthetic ballots over the 2017 houses, best of {RUNS}", len(ballots),
        per_second=len(ballots) * len(results) / best, p50_ms=1000 * statistics.median(times),
        p99_ms=1000 * max(times),
        accuracy=f"best {1000 * best:.0f} ms, goal ≤ {1000 * GOAL_S:.0f} ms "
                 f"({'met' if best <= GOAL_S else 'MISSED'}); {hidden:,} of {cells:,} cells hide "
                 f"something ({_hidden(houses):,} of {len(houses.cells):,} houses)")]
