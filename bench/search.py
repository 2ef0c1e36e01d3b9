"""Address search: our index against rapidfuzz over every full address, in the same process.

Houses: the 4,543 real ones of the 2017 renovation poll plus 40,000 synthetic ones on the same
streets. Queries: the typo set of bench.typos (one or two typos in the street words each), and a
set for each other way people write an address (the keyboard in the wrong layout, Latin letters
in four schemes, a document's postcode and city first, glued house numbers, a first name left out).
Targets: typo set p99 ≤ 2 ms per query, top-1 ≥ 99.5 %; every other set top-1 ≥ 95 %.
"""
from __future__ import annotations

import statistics
import time
from typing import Callable

from rapidfuzz import fuzz, process, utils

from bench.table import Row
from bench.typos import TypedQuery, read_houses, synthetic_houses, typo_queries
from bench.ways import (
    SCHEMES, english_layout_queries, first_name_queries, glued_number_queries, prefix_queries,
    russian_layout_queries, translit_queries,
)
from verification.address import AddressIndex, HouseEntry

SYNTHETIC = 40_000
QUERIES = 5_000
BASELINE_QUERIES = 300
BUILD_RUNS = 3
KIND_QUERIES = 1_000
KIND_BASELINE_QUERIES = 100


def _timed(search: Callable[[str], list[int]], queries: list[TypedQuery]
           ) -> tuple[list[float], int, int]:
    """Per-query milliseconds, and how often the house was first / in the top five."""
    times: list[float] = []
    first = top_five = 0
    for query in queries:
        started = time.perf_counter()
        found = search(query.text)
        times.append((time.perf_counter() - started) * 1000)
        first += found[:1] == [query.house_id]
        top_five += query.house_id in found[:5]
    return times, first, top_five


def _p99(times: list[float]) -> float:
    return sorted(times)[min(len(times) - 1, int(len(times) * 0.99))]


def _accuracy(first: int, top_five: int, n: int) -> str:
    return f"top-1 {100 * first / n:.2f} %, top-5 {100 * top_five / n:.2f} %"


def _search_row(what: str, index: AddressIndex, queries: list[TypedQuery]) -> Row:
    times, first, top_five = _timed(lambda q: [m.house_id for m in index.search(q)], queries)
    return Row(what, len(queries), per_second=1000 * len(times) / sum(times),
               p50_ms=statistics.median(times), p99_ms=_p99(times),
               accuracy=_accuracy(first, top_five, len(queries)))


def _baseline(houses: list[HouseEntry]) -> Callable[[str], list[int]]:
    """rapidfuzz token_set_ratio over every full address; the addresses are lower-cased and
    stripped of punctuation once, the query on each call, so case does not handicap it."""
    choices = [utils.default_process(house.address) for house in houses]
    ids = [house.house_id for house in houses]

    def search(text: str) -> list[int]:
        found = process.extract(utils.default_process(text), choices,
                                 scorer=fuzz.token_set_ratio, limit=5)
        return [ids[at] for _, _, at in found]
    return search


def _kinds(houses: list[HouseEntry]) -> list[tuple[str, list[TypedQuery]]]:
    n = KIND_QUERIES
    return [
        ("Russian typed in the English layout", english_layout_queries(houses, n)),
        ("Latin typed in the Russian layout", russian_layout_queries(houses, n)),
        *[(f"Latin letters, {scheme}", translit_queries(houses, n, scheme)) for scheme in SCHEMES],
        ("postcode, country, city, okrug, district first", prefix_queries(houses, n)),
        ("glued house numbers", glued_number_queries(houses, n)),
        ("rank or first name left out", first_name_queries(houses, n)),
    ]


def _kind_row(kind: str, label: str, index: AddressIndex, queries: list[TypedQuery],
              baseline: Callable[[str], list[int]]) -> Row:
    """Our accuracy over the whole set; the baseline's, and the speed ratio, over its start."""
    ours = _search_row(f"address search, {kind}, {label}", index, queries)
    sample = queries[:KIND_BASELINE_QUERIES]
    ours_on_sample, _, _ = _timed(lambda q: [m.house_id for m in index.search(q)], sample)
    times, first, top_five = _timed(baseline, sample)
    return Row(ours.what, ours.n, ours.per_second, ours.p50_ms, ours.p99_ms, ours.accuracy,
               baseline=f"token_set_ratio, first {len(sample)}: "
                        f"{_accuracy(first, top_five, len(sample))}",
               ratio=sum(times) / sum(ours_on_sample))


def rows() -> list[Row]:
    real = read_houses()
    houses = real + synthetic_houses(real, SYNTHETIC)
    label = f"{len(real):,} real + {SYNTHETIC:,} synthetic houses"

    builds: list[float] = []
    for _ in range(BUILD_RUNS):
        started = time.perf_counter()
        index = AddressIndex.build(houses)
        builds.append((time.perf_counter() - started) * 1000)
    build = Row(f"address index build, {label} ({BUILD_RUNS} runs)", len(houses),
                per_second=1000 * len(houses) / statistics.median(builds),
                p50_ms=statistics.median(builds), p99_ms=max(builds))

    queries = typo_queries(houses, QUERIES)
    ours = _search_row(f"address search, typo set, {label}", index, queries)

    sample = queries[:BASELINE_QUERIES]
    ours_on_sample = _timed(lambda q: [m.house_id for m in index.search(q)], sample)
    baseline_search = _baseline(houses)
    times, first, top_five = _timed(baseline_search, sample)
    base_per_second = 1000 * len(times) / sum(times)
    our_per_second = 1000 * len(ours_on_sample[0]) / sum(ours_on_sample[0])
    baseline = Row(f"baseline: rapidfuzz token_set_ratio over all addresses, {label}",
                   len(sample), per_second=base_per_second, p50_ms=statistics.median(times),
                   p99_ms=_p99(times), accuracy=_accuracy(first, top_five, len(sample)))
    ours_vs = Row(f"address search, same {len(sample)} queries as the baseline", len(sample),
                  per_second=our_per_second, p50_ms=statistics.median(ours_on_sample[0]),
                  p99_ms=_p99(ours_on_sample[0]),
                  accuracy=_accuracy(ours_on_sample[1], ours_on_sample[2], len(sample)),
                  baseline=f"token_set_ratio: {_accuracy(first, top_five, len(sample))}",
                  ratio=our_per_second / base_per_second)

    poll = AddressIndex.build(real)
    real_queries = typo_queries(real, 2_000, seed=2017)
    real_only = _search_row(f"address search, typo set, {len(real):,} real houses only",
                            poll, real_queries)
    kinds = [_kind_row(kind, label, index, queries, baseline_search)
             for kind, queries in _kinds(houses)]
    return [build, ours, ours_vs, baseline, real_only, *kinds]
