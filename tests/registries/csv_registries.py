"""A test double at the registry boundary: the four ports answered from the demo CSV files.

It answers the way the ports' docstrings say a registry answers, so a ballot claim built from
what a demo resident types can be decided exactly as the real registries would decide it.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

from verification.registries import (
    BIRTH_DATE, EIRC, FLAT, FLS, FULL_NAME, MVD, PFR, ROSREESTR, STATUS, Outcome, RegistryAnswer,
)
from verification.validators.names import normalise_name_key


def _date(text: str) -> date:
    return datetime.strptime(text, "%d.%m.%Y").date()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def _person_fields(name: str, born: date, name_key: str, birth_date: date) -> tuple[str, ...]:
    differ = []
    if normalise_name_key(name) != name_key:
        differ.append(FULL_NAME)
    if born != birth_date:
        differ.append(BIRTH_DATE)
    return tuple(differ)


class CsvRegistries:
    def __init__(self, directory: Path) -> None:
        self.asked: list[str] = []
        self.flats: dict[tuple[int, str], list[dict[str, str]]] = defaultdict(list)
        self.accounts: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in _rows(directory / "eirc.csv"):
            self.flats[int(row["unom"]), row["flat"]].append(row)
            self.accounts[row["fls"]].append(row)
        self.passports = {row["passport"]: row for row in _rows(directory / "mvd.csv")}
        self.snils = {row["snils"]: row for row in _rows(directory / "pfr.csv")}
        self.documents: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in _rows(directory / "rosreestr.csv"):
            self.documents[row["document"]].append(row)

    async def lookup_flat(self, unom: int, flat: str, fls: str | None) -> RegistryAnswer:
        self.asked.append(EIRC)
        if fls is not None:
            rows = self.accounts.get(fls)
            if not rows:
                return RegistryAnswer(EIRC, Outcome.UNKNOWN)
            if (int(rows[0]["unom"]), rows[0]["flat"]) != (unom, flat):
                return RegistryAnswer(EIRC, Outcome.MISMATCH, (FLS,))
        else:
            rows = self.flats.get((unom, flat))
            if not rows:
                return RegistryAnswer(EIRC, Outcome.UNKNOWN)
        people = [{"name_key": normalise_name_key(r["full_name"]),
                   "birth_date": _date(r["birth_date"]).isoformat(), "role": r["role"]}
                  for r in rows]
        return RegistryAnswer(EIRC, Outcome.MATCH, facts={"people": people})

    async def check_passport(self, passport: str, name_key: str, birth_date: date) -> RegistryAnswer:
        self.asked.append(MVD)
        row = self.passports.get(passport)
        if row is None:
            return RegistryAnswer(MVD, Outcome.UNKNOWN)
        differ = _person_fields(row["full_name"], _date(row["birth_date"]), name_key, birth_date)
        if row["status"] != "valid":
            differ = (STATUS, *differ)
        outcome = Outcome.MISMATCH if differ else Outcome.MATCH
        return RegistryAnswer(MVD, outcome, differ, {"status": row["status"]})

    async def check_snils(self, snils: str, name_key: str, birth_date: date) -> RegistryAnswer:
        self.asked.append(PFR)
        row = self.snils.get(snils)
        if row is None:
            return RegistryAnswer(PFR, Outcome.UNKNOWN)
        differ = _person_fields(row["full_name"], _date(row["birth_date"]), name_key, birth_date)
        return RegistryAnswer(PFR, Outcome.MISMATCH if differ else Outcome.MATCH, differ)

    async def check_property(self, document: str, unom: int, flat: str, name_key: str,
                             birth_date: date) -> RegistryAnswer:
        self.asked.append(ROSREESTR)
        rows = self.documents.get(document)
        if not rows:
            return RegistryAnswer(ROSREESTR, Outcome.UNKNOWN)
        if (int(rows[0]["unom"]), rows[0]["flat"]) != (unom, flat):
            return RegistryAnswer(ROSREESTR, Outcome.MISMATCH, (FLAT,))
        for row in rows:
            born = _date(row["owner_birth_date"])
            if not _person_fields(row["owner_full_name"], born, name_key, birth_date):
                return RegistryAnswer(ROSREESTR, Outcome.MATCH, facts={"share": row["share"]})
        return RegistryAnswer(ROSREESTR, Outcome.MISMATCH, (FULL_NAME, BIRTH_DATE))
