"""Made-up registries for the sandbox: EIRC, MVD, PFR and Rosreestr as four CSV files.

The same seed always gives byte-identical files. People are consistent across the files (an
owner has an EIRC row, a valid Moscow passport, a SNILS with a correct control number and a
Rosreestr record), except for a small deliberate share of inconsistencies — an invalid
passport, a SNILS recorded to someone else, an FLS of another flat — each listed in the
summary with the rejection it should get. Every person is invented by Faker; none is real.
"""
from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

from verification.registries import OWNER, REGISTERED, TENANT
from verification.validators.dates import shown_date
from verification.validators.passport import FIRST_FORM_YEAR
from verification.validators.snils import LAST_UNCHECKED, format_snils, snils_control_number

COLUMNS: dict[str, tuple[str, ...]] = {
    "eirc": ("unom", "flat", "fls", "full_name", "birth_date", "role"),
    "mvd": ("passport", "full_name", "birth_date", "status"),
    "pfr": ("snils", "full_name", "birth_date"),
    "rosreestr": ("document", "unom", "flat", "owner_full_name", "owner_birth_date", "share"),
}
AS_OF = date(2026, 1, 1)  # ages are reckoned on this day, so the files do not depend on today
MOSCOW_OKATO = "45"
FULL_LEVELS = "identity=3,apartment=2"
FLS_LEVELS = "identity=3,apartment=1"
# A made-up voter at a real address, as in 2017 when such a ballot was thanked as counted.
MADE_UP_NAME, MADE_UP_BIRTH = "Иванов Иван Иванович", date(1970, 1, 1)
# Certificate series letters: capitals that cannot be mistaken for others (no Ё, Й, Ъ, Ы, Ь).
_SERIES_LETTERS = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ"
_INCONSISTENCIES = {  # kind → the reason `decide` should give
    "invalid_passport": "passport.invalid",
    "foreign_snils": "snils.not_this_person",
    "foreign_fls": "fls.not_this_flat",
}


@dataclass(frozen=True, slots=True)
class DemoSummary:
    out_dir: Path
    files: dict[str, Path]
    houses: int
    flats: int
    people: int
    rows: dict[str, int]
    residents: tuple[dict[str, str], ...]  # ready to vote as: one of each kind found
    inconsistencies: tuple[dict[str, str], ...]  # every deliberate one, as the resident hitting it


@dataclass(slots=True)
class _Person:
    full_name: str
    birth_date: date
    passport: str
    snils: str
    role: str = REGISTERED
    document: str = ""
    passport_valid: bool = True
    typed: dict[str, str] = field(default_factory=dict)  # what they would type, where it differs


@dataclass(slots=True)
class _Flat:
    unom: int
    address: str
    number: str
    fls: str
    kind: str
    people: list[_Person] = field(default_factory=list)
    inconsistency: str | None = None


def houses_from_csv(path: Path) -> list[tuple[int, str]]:
    """(unom, address) of every house in a CSV with those columns, e.g. the 2017 houses."""
    with path.open(encoding="utf-8", newline="") as source:
        return [(int(row["unom"]), row["address"]) for row in csv.DictReader(source)]


class _Town:
    """Draws people, flats and documents from one seed; every identifier is unique."""

    def __init__(self, seed: int, as_of: date) -> None:
        self.rng = random.Random(seed)
        self.faker = Faker("ru_RU")
        self.faker.seed_instance(seed)
        self.as_of = as_of
        self.used: set[str] = set()

    def _unique(self, draw: Callable[[], str]) -> str:
        while (value := draw()) in self.used:
            pass
        self.used.add(value)
        return value

    def person(self, role: str) -> _Person:
        rng, faker = self.rng, self.faker
        if rng.random() < 0.5:
            name = f"{faker.last_name_male()} {faker.first_name_male()} {faker.middle_name_male()}"
        else:
            name = (f"{faker.last_name_female()} {faker.first_name_female()} "
                    f"{faker.middle_name_female()}")
        oldest = self.as_of.replace(year=self.as_of.year - 91) + timedelta(days=1)
        youngest = self.as_of.replace(year=self.as_of.year - 18)
        born = oldest + timedelta(days=rng.randrange((youngest - oldest).days + 1))
        return _Person(name, born, self._passport(born), self._snils(), role)

    def _passport(self, born: date) -> str:
        # a passport is issued at 14 and replaced at 20 and 45; the current form dates from 1997,
        # so older people have one from the exchange of Soviet passports in 1997–2004
        age_steps = [born.year + age for age in (14, 20, 45) if born.year + age <= self.as_of.year]
        year = age_steps[-1] if age_steps else self.as_of.year
        if year < FIRST_FORM_YEAR:
            year = FIRST_FORM_YEAR + self.rng.randrange(8)
        year = min(self.as_of.year, year + self.rng.randrange(2))
        series = f"{MOSCOW_OKATO}{year % 100:02d}"
        return self._unique(lambda: f"{series}{self.rng.randrange(1, 1_000_000):06d}")

    def _snils(self) -> str:
        def draw() -> str:
            first_nine = f"{self.rng.randrange(LAST_UNCHECKED + 1, 1_000_000_000):09d}"
            return first_nine + snils_control_number(first_nine)
        return self._unique(draw)

    def fls(self) -> str:
        return self._unique(lambda: str(self.rng.randrange(10**9, 10**10)))

    def cadastral(self) -> str:
        rng = self.rng
        # district : area : quarter : object, e.g. 77:01:0001013:4915
        return self._unique(lambda: f"77:{rng.randrange(1, 13):02d}:"
                                    f"{rng.randrange(1000, 10_000_000):07d}:"
                                    f"{rng.randrange(1, 10_000)}")

    def certificate(self) -> str:
        rng = self.rng
        return self._unique(lambda: f"77-{rng.choice(_SERIES_LETTERS)}{rng.choice(_SERIES_LETTERS)} "
                                    f"{rng.randrange(1, 1_000_000):06d}")

    def flat(self, unom: int, address: str, number: str) -> _Flat:
        rng = self.rng
        roll = rng.random()
        kind = "single" if roll < 0.55 else "couple" if roll < 0.8 else "tenant"
        flat = _Flat(unom, address, number, self.fls(), kind)
        if kind == "tenant":
            flat.people.append(self.person(TENANT))
        else:
            owners = [self.person(OWNER) for _ in range(1 if kind == "single" else 2)]
            if rng.random() < 0.7:
                document = self.cadastral()  # one number for the flat, shared by its owners
                for owner in owners:
                    owner.document = document
            else:
                for owner in owners:  # before 2016 each owner got a certificate of their own
                    owner.document = self.certificate()
            flat.people.extend(owners)
        if rng.random() < 0.35:
            flat.people.append(self.person(REGISTERED))
        return flat


def _shown_passport(digits: str) -> str:
    return f"{digits[:2]} {digits[2:4]} {digits[4:]}"


def _resident(flat: _Flat, person: _Person, *, kind: str, levels: str,
              reason: str = "") -> dict[str, str]:
    """What a visitor types into the bot to vote as this person, and what they should get."""
    return {
        "kind": kind,
        "address": flat.address,
        "unom": str(flat.unom),
        "flat": flat.number,
        "full_name": person.full_name,
        "birth_date": shown_date(person.birth_date),
        "passport": _shown_passport(person.passport) if person.passport else "",
        "snils": person.typed.get("snils") or (format_snils(person.snils) if person.snils else ""),
        "fls": person.typed.get("fls", flat.fls),
        "property_document": person.document,
        "role": person.role,
        "levels": levels,
        "outcome": "rejected" if reason else "counted",
        "reason": reason,
    }


def _rows(flat: _Flat) -> Iterable[tuple[str, tuple[str, ...]]]:
    share = "1" if sum(p.role == OWNER for p in flat.people) == 1 else "1/2"
    for person in flat.people:
        born = shown_date(person.birth_date)
        yield "eirc", (str(flat.unom), flat.number, flat.fls, person.full_name, born, person.role)
        status = "valid" if person.passport_valid else "invalid"
        yield "mvd", (person.passport, person.full_name, born, status)
        if "snils" not in person.typed:  # a foreign SNILS is already someone else's row
            yield "pfr", (person.snils, person.full_name, born)
        if person.role == OWNER:
            yield "rosreestr", (person.document, str(flat.unom), flat.number, person.full_name,
                                born, share)


def _spoil(flat: _Flat, kind: str, previous: _Flat) -> None:
    """Makes the flat's first owner hit one inconsistency between what they type and a registry."""
    owner = flat.people[0]
    donors = [person for person in previous.people if "snils" not in person.typed]
    if kind == "foreign_snils" and not donors:
        kind = "invalid_passport"  # the neighbour's own SNILS is not on record either
    flat.inconsistency = kind
    if kind == "invalid_passport":
        owner.passport_valid = False
    elif kind == "foreign_snils":
        owner.typed["snils"] = format_snils(donors[0].snils)
    else:
        owner.typed["fls"] = previous.fls


def _pick_residents(flats: Sequence[_Flat]) -> list[dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for flat in flats:
        if flat.inconsistency:
            kind = flat.inconsistency
            found.setdefault(kind, _resident(flat, flat.people[0], kind=kind, levels=FULL_LEVELS,
                                             reason=_INCONSISTENCIES[kind]))
            continue
        by_role = {person.role: person for person in reversed(flat.people)}
        if flat.kind == "single":
            found.setdefault("owner", _resident(flat, by_role[OWNER], kind="owner",
                                                levels=FULL_LEVELS))
        if flat.kind == "couple":
            found.setdefault("co_owner", _resident(flat, flat.people[1], kind="co_owner",
                                                   levels=FULL_LEVELS))
        if TENANT in by_role:
            found.setdefault("tenant", _resident(flat, by_role[TENANT], kind="tenant",
                                                 levels=FLS_LEVELS))
        if REGISTERED in by_role:
            found.setdefault("registered_only", _resident(
                flat, by_role[REGISTERED], kind="registered_only", levels=FLS_LEVELS,
                reason="flat.no_right_to_vote"))
    order = ("owner", "co_owner", "tenant", "registered_only", *_INCONSISTENCIES)
    residents = [found[kind] for kind in order if kind in found]
    for flat in flats:
        if not any(p.full_name == MADE_UP_NAME and p.birth_date == MADE_UP_BIRTH
                   for p in flat.people):
            residents.append(_made_up(flat))
            break
    return residents


def _made_up(flat: _Flat) -> dict[str, str]:
    person = _Person(MADE_UP_NAME, MADE_UP_BIRTH, "", "", role="")
    resident = _resident(flat, person, kind="made_up", levels="identity=1,apartment=0",
                         reason="identity.mismatch")
    resident["fls"] = ""
    return resident


def flats_in_a_house(flats_per_house: int) -> int:
    """How many flats a made-up house has: the registries know `flats_per_house` of them."""
    return max(300, 3 * flats_per_house)


def generate(houses: Sequence[tuple[int, str]], flats_per_house: int, seed: int,
             out_dir: Path, *, as_of: date = AS_OF,
             inconsistency_rate: float = 0.03) -> DemoSummary:
    """Writes eirc.csv, mvd.csv, pfr.csv and rosreestr.csv into `out_dir` and sums them up."""
    if flats_per_house < 1:
        raise ValueError("flats_per_house must be at least 1")
    town = _Town(seed, as_of)
    flats: list[_Flat] = []
    wanted = list(_INCONSISTENCIES)  # one of each comes first, so even a small town has them
    owed = 0  # drawn for a flat without owners: the next owned flat takes it
    for unom, address in houses:
        numbers = sorted(town.rng.sample(range(1, flats_in_a_house(flats_per_house) + 1), flats_per_house))
        for number in numbers:
            flat = town.flat(unom, address, str(number))
            owed += town.rng.random() < inconsistency_rate
            if flat.kind != "tenant" and flats and (wanted or owed):
                if wanted:
                    kind = wanted.pop(0)
                else:
                    kind, owed = town.rng.choice(list(_INCONSISTENCIES)), owed - 1
                _spoil(flat, kind, flats[-1])
            flats.append(flat)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {name: out_dir / f"{name}.csv" for name in COLUMNS}
    handles = {name: path.open("w", encoding="utf-8", newline="") for name, path in files.items()}
    rows = dict.fromkeys(COLUMNS, 0)
    try:
        writers = {name: csv.writer(handle, lineterminator="\n") for name, handle in handles.items()}
        for name, writer in writers.items():
            writer.writerow(COLUMNS[name])
        for flat in flats:
            for name, row in _rows(flat):
                writers[name].writerow(row)
                rows[name] += 1
    finally:
        for handle in handles.values():
            handle.close()
    inconsistencies = tuple(
        _resident(flat, flat.people[0], kind=flat.inconsistency, levels=FULL_LEVELS,
                  reason=_INCONSISTENCIES[flat.inconsistency])
        for flat in flats if flat.inconsistency)
    return DemoSummary(out_dir, files, len(houses), len(flats),
                       sum(len(flat.people) for flat in flats), rows,
                       tuple(_pick_residents(flats)), inconsistencies)


def agreeing_owners(files: dict[str, Path], houses: Sequence[tuple[int, str]]) -> list[dict[str, str]]:
    """Owners every registry of `files` knows alike (the made-up ones spoil a few on purpose), one
    a flat, as a resident would type them: for load tests whose every vote must be counted."""
    rows: dict[str, list[dict[str, str]]] = {}
    for name in COLUMNS:
        with files[name].open(encoding="utf-8", newline="") as source:
            rows[name] = list(csv.DictReader(source))
    address = {str(unom): text for unom, text in houses}

    def by(name: str, *keys: str, where=lambda row: True) -> dict[tuple[str, ...], list[dict[str, str]]]:
        index: dict[tuple[str, ...], list[dict[str, str]]] = {}
        for row in rows[name]:
            if where(row):
                index.setdefault(tuple(row[k] for k in keys), []).append(row)
        return index

    eirc = by("eirc", "unom", "flat", "full_name", "birth_date")
    mvd = by("mvd", "full_name", "birth_date", where=lambda row: row["status"] == "valid")
    pfr = by("pfr", "full_name", "birth_date")
    found: dict[tuple[str, str], dict[str, str]] = {}
    for deed in rows["rosreestr"]:
        who = (deed["owner_full_name"], deed["owner_birth_date"])
        lived, passports, pensions = eirc.get((deed["unom"], deed["flat"], *who), []), mvd.get(who, []), \
            pfr.get(who, [])
        if len(lived) == len(passports) == len(pensions) == 1 and deed["unom"] in address:
            found.setdefault((deed["unom"], deed["flat"]), {
                "address": address[deed["unom"]], "flat": deed["flat"], "full_name": who[0], "birth_date": who[1],
                "passport": passports[0]["passport"], "snils": format_snils(pensions[0]["snils"]),
                "fls": lived[0]["fls"], "property_document": deed["document"]})
    return list(found.values())
