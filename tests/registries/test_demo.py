"""The demo registries: deterministic, consistent across files, and decided as the summary says."""
from __future__ import annotations

import csv
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.demo import HOUSES_CSV
from bot.demo.registries import AS_OF, COLUMNS, DemoSummary, generate, houses_from_csv
from tests.registries.csv_registries import CsvRegistries
from verification.asking import Registries, collect_answers
from verification.claim import BallotClaim
from verification.decision import VerdictOutcome, decide
from verification.levels import Levels
from verification.refusal import Accepted
from verification.validators import (
    validate_birth_date, validate_flat_number, validate_fls, validate_full_name, validate_passport,
    validate_property_document, validate_snils,
)
from verification.validators.dates import age_on
from verification.validators.snils import snils_control_number

ALL_HOUSES = houses_from_csv(HOUSES_CSV)
HOUSES = ALL_HOUSES[:80]
TODAY = date(2026, 6, 1)


def rows(summary: DemoSummary, name: str) -> list[dict[str, str]]:
    with summary.files[name].open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def born(text: str) -> date:
    return datetime.strptime(text, "%d.%m.%Y").date()


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return generate(HOUSES, 3, seed=2017, out_dir=tmp_path_factory.mktemp("town"))


def accepted(result: object) -> object:
    assert isinstance(result, Accepted), result
    return result.value


def claim_of(resident: dict[str, str]) -> BallotClaim:
    """What the bot would build from the resident typing their data, through the validators."""
    levels = Levels.parse(resident["levels"])
    fields = levels.fields

    def typed(name: str, validator, **kw: object) -> object:
        wanted = any(f.value == name for f in fields)
        return str(accepted(validator(resident[name], **kw))) if wanted else None

    return BallotClaim.of(
        unom=int(resident["unom"]), flat=str(accepted(validate_flat_number(resident["flat"]))),
        full_name=str(accepted(validate_full_name(resident["full_name"]))),
        birth_date=accepted(validate_birth_date(resident["birth_date"], today=TODAY)),
        levels=levels, passport=typed("passport", validate_passport, today=TODAY),
        snils=typed("snils", validate_snils), fls=typed("fls", validate_fls),
        property_document=typed("property_document", validate_property_document))


async def verdict_for(directory: Path, resident: dict[str, str]):
    registry = CsvRegistries(directory)
    claim = claim_of(resident)
    answers = await collect_answers(claim, Registries(registry, registry, registry, registry))
    return decide(claim, answers)


def test_the_same_seed_gives_byte_identical_files(tmp_path: Path, town: DemoSummary) -> None:
    again = generate(HOUSES, 3, seed=2017, out_dir=tmp_path / "again")
    other = generate(HOUSES, 3, seed=2018, out_dir=tmp_path / "other")
    for name in COLUMNS:
        assert again.files[name].read_bytes() == town.files[name].read_bytes()
        assert other.files[name].read_bytes() != town.files[name].read_bytes()
    assert again.residents == town.residents


def test_the_files_have_exactly_the_specified_columns(town: DemoSummary) -> None:
    assert set(town.files) == {"eirc", "mvd", "pfr", "rosreestr"}
    for name, columns in {
        "eirc": ["unom", "flat", "fls", "full_name", "birth_date", "role"],
        "mvd": ["passport", "full_name", "birth_date", "status"],
        "pfr": ["snils", "full_name", "birth_date"],
        "rosreestr": ["document", "unom", "flat", "owner_full_name", "owner_birth_date", "share"],
    }.items():
        with town.files[name].open(encoding="utf-8", newline="") as source:
            assert next(csv.reader(source)) == columns
        assert len(rows(town, name)) == town.rows[name] > 0


def test_every_snils_has_a_correct_control_number(town: DemoSummary) -> None:
    for row in rows(town, "pfr"):
        assert snils_control_number(row["snils"][:9]) == row["snils"][9:]
        assert isinstance(validate_snils(row["snils"]), Accepted)


def test_people_are_adults_with_moscow_passports(town: DemoSummary) -> None:
    people = rows(town, "mvd")
    for row in people:
        assert 18 <= age_on(AS_OF, born(row["birth_date"])) <= 90
        assert row["passport"].startswith("45")
        assert isinstance(validate_passport(row["passport"], today=AS_OF), Accepted)
        assert isinstance(validate_full_name(row["full_name"]), Accepted)
    statuses = Counter(row["status"] for row in people)
    assert set(statuses) == {"valid", "invalid"} and statuses["invalid"] < statuses["valid"] / 10


def test_flats_accounts_and_documents(town: DemoSummary) -> None:
    eirc = rows(town, "eirc")
    account_of = {}
    for row in eirc:
        assert len(row["fls"]) == 10 and row["fls"].isdigit()
        assert account_of.setdefault((row["unom"], row["flat"]), row["fls"]) == row["fls"]
    assert len(set(account_of.values())) == len(account_of) == town.flats == len(HOUSES) * 3
    assert Counter(row["role"] for row in eirc).keys() == {"owner", "tenant", "registered"}
    kinds = Counter()
    for row in rows(town, "rosreestr"):
        document = accepted(validate_property_document(row["document"]))
        kinds[document.kind] += 1
        assert document.value == row["document"]
        assert row["share"] in {"1", "1/2"}
    assert kinds["cadastral"] and kinds["certificate"]
    shares = Counter((row["unom"], row["flat"]) for row in rows(town, "rosreestr")
                     if row["share"] == "1/2")
    assert shares and set(shares.values()) == {2}  # halves come in pairs


def test_a_counted_resident_is_the_same_person_in_all_four_files(town: DemoSummary) -> None:
    owner = next(r for r in town.residents if r["kind"] == "owner")
    claim = claim_of(owner)
    eirc = [r for r in rows(town, "eirc") if r["fls"] == owner["fls"]]
    assert any(r["full_name"] == owner["full_name"] and r["role"] == "owner" for r in eirc)
    assert {(r["unom"], r["flat"]) for r in eirc} == {(owner["unom"], owner["flat"])}
    mvd = [r for r in rows(town, "mvd") if r["passport"] == claim.passport]
    pfr = [r for r in rows(town, "pfr") if r["snils"] == claim.snils]
    rosreestr = [r for r in rows(town, "rosreestr") if r["document"] == claim.property_document
                 and r["owner_full_name"] == owner["full_name"]]
    for found in (mvd, pfr):
        assert [(r["full_name"], r["birth_date"]) for r in found] == [
            (owner["full_name"], owner["birth_date"])]
    assert mvd[0]["status"] == "valid"
    assert [(r["unom"], r["flat"], r["owner_birth_date"]) for r in rosreestr] == [
        (owner["unom"], owner["flat"], owner["birth_date"])]


def test_the_demo_residents_cover_every_story(town: DemoSummary) -> None:
    assert [r["kind"] for r in town.residents] == [
        "owner", "co_owner", "tenant", "registered_only", "invalid_passport", "foreign_snils",
        "foreign_fls", "made_up"]
    for resident in town.residents:
        assert resident["address"] in dict(HOUSES).values()
        assert (resident["outcome"] == "counted") == (resident["reason"] == "")


async def test_each_demo_resident_gets_the_verdict_the_summary_promises(town: DemoSummary) -> None:
    for resident in town.residents:
        verdict = await verdict_for(town.out_dir, resident)
        assert verdict.outcome.value == resident["outcome"], resident["kind"]
        expected = (resident["reason"],) if resident["reason"] else ()
        assert verdict.reason_codes == expected, resident["kind"]


async def test_every_deliberate_inconsistency_is_rejected_with_its_reason(tmp_path: Path) -> None:
    summary = generate(ALL_HOUSES, 3, seed=7, out_dir=tmp_path)
    assert summary.houses == 4543 and summary.flats == 4543 * 3
    assert 0.02 <= len(summary.inconsistencies) / summary.flats <= 0.045
    assert {i["kind"] for i in summary.inconsistencies} == {
        "invalid_passport", "foreign_snils", "foreign_fls"}
    registry = CsvRegistries(summary.out_dir)
    bundle = Registries(registry, registry, registry, registry)
    for resident in summary.inconsistencies:
        claim = claim_of(resident)
        verdict = decide(claim, await collect_answers(claim, bundle))
        assert verdict.outcome is VerdictOutcome.REJECTED
        assert verdict.reason_codes == (resident["reason"],), resident


def test_nonsense_sizes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(HOUSES, 0, seed=1, out_dir=tmp_path)
