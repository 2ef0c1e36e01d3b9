"""The real houses of the 2017 renovation poll and one index over them, built once."""
from __future__ import annotations

import pytest

from bench.typos import read_houses
from verification.address import AddressIndex, HouseEntry


@pytest.fixture(scope="session")
def houses() -> list[HouseEntry]:
    return read_houses()


@pytest.fixture(scope="session")
def index(houses: list[HouseEntry]) -> AddressIndex:
    return AddressIndex.build(houses)


@pytest.fixture(scope="session")
def by_address(houses: list[HouseEntry]) -> dict[str, HouseEntry]:
    return {house.address: house for house in houses}
