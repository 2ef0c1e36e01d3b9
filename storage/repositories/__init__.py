"""Repositories: the only code that reads and writes the database.

Each takes an AsyncSession. Unless a method says otherwise it only flushes: the caller owns
the transaction and commits (`async with sessions.begin(): ...`).
"""
from storage.repositories.ballots import BallotRepository
from storage.repositories.flats import FlatRepository, canonical_flat_number
from storage.repositories.houses import HouseRepository, HouseRow, ImportCounts
from storage.repositories.polls import PollRepository
from storage.repositories.residents import ResidentRepository
from storage.repositories.results import ResultsRepository

__all__ = [
    "BallotRepository",
    "FlatRepository",
    "HouseRepository",
    "HouseRow",
    "ImportCounts",
    "PollRepository",
    "ResidentRepository",
    "ResultsRepository",
    "canonical_flat_number",
]
