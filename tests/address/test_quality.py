"""Search quality on a generated typo set over the real houses (quality only, never speed)."""
from __future__ import annotations

from bench.typos import typo_queries
from verification.address import AddressIndex, HouseEntry


def test_typo_queries_find_the_house(index: AddressIndex, houses: list[HouseEntry]) -> None:
    queries = typo_queries(houses, 400, seed=4543)
    first = top_five = 0
    missed = []
    for query in queries:
        found = [match.house_id for match in index.search(query.text)]
        first += found[:1] == [query.house_id]
        top_five += query.house_id in found
        if query.house_id not in found:
            missed.append(query.text)
    assert top_five / len(queries) >= 0.99, missed
    assert first / len(queries) >= 0.95, f"top-1 only {first / len(queries):.1%}"
