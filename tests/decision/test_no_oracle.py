"""The verdict tells a resident which field to check, never whether a number exists or whose it is."""
from __future__ import annotations

import csv

import pytest

from bot.i18n import translator
from tests.decision.test_decide import all_match, answer, eirc_match, make_claim, person
from tests.plugins.verifying import vote_as
from verification.decision import VerdictOutcome, decide, fields_to_fix
from verification.registries import EIRC, MVD, PFR, ROSREESTR, Outcome
from verification.validators.snils import format_snils, snils_control_number

# what each registry says of a number nobody has, and of one that is someone else's
ORACLES = {
    "passport": (MVD, [answer(MVD, Outcome.UNKNOWN),
                       answer(MVD, Outcome.MISMATCH, ("full_name", "birth_date"), status="valid"),
                       answer(MVD, Outcome.MISMATCH, ("status", "full_name"), status="invalid")]),
    "snils": (PFR, [answer(PFR, Outcome.UNKNOWN), answer(PFR, Outcome.MISMATCH, ("full_name", "birth_date"))]),
    "fls": (EIRC, [answer(EIRC, Outcome.UNKNOWN), answer(EIRC, Outcome.MISMATCH, ("fls",))]),
    "property": (ROSREESTR, [answer(ROSREESTR, Outcome.UNKNOWN), answer(ROSREESTR, Outcome.MISMATCH, ("flat",)),
                             answer(ROSREESTR, Outcome.MISMATCH, ("full_name",))]),
}


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("field", sorted(ORACLES))
def test_an_unknown_and_a_foreign_number_read_alike_while_the_evidence_tells_them_apart(field, language):
    registry, answers = ORACLES[field]
    verdicts = [decide(make_claim(), all_match(**{registry: one})) for one in answers]
    assert all(v.outcome is VerdictOutcome.REJECTED for v in verdicts)
    texts = {v.explain(translator(language)) for v in verdicts}
    assert len(texts) == 1, texts
    assert len({v.reason_codes for v in verdicts}) >= 2  # the stored code still tells unknown from foreign
    evidence = [next(e for e in v.evidence if e.registry == registry) for v in verdicts]
    assert len({(e.outcome, e.fields) for e in evidence}) == len(verdicts)


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("levels", ["3/1", "3/2"])
def test_a_stranger_and_a_person_only_registered_in_the_flat_read_alike(levels, language):
    """Or the bot would tell whether someone with this name and birth date lives in the flat."""
    stranger = eirc_match(person("owner", "Сидорова Анна Ивановна"))
    registered = eirc_match(person("registered"))
    not_owner = answer(ROSREESTR, Outcome.MISMATCH, ("full_name",))
    verdicts = [decide(make_claim(levels), all_match(eirc=flat, rosreestr=not_owner))
                for flat in (stranger, registered)]
    assert [v.reason_codes[-1] for v in verdicts] == ["identity.mismatch", "flat.no_right_to_vote"]
    assert len({v.explain(translator(language)) for v in verdicts}) == 1
    assert len({fields_to_fix(v.reason_codes) for v in verdicts}) == 1  # the same correction offered


def test_the_text_still_names_the_field_to_check():
    ru = translator("ru")
    passport = decide(make_claim(), all_match(mvd=answer(MVD, Outcome.UNKNOWN))).explain(ru)
    snils = decide(make_claim(), all_match(pfr=answer(PFR, Outcome.UNKNOWN))).explain(ru)
    assert "Паспорт не совпадает" in passport and "СНИЛС" not in passport
    assert "СНИЛС не совпадает" in snils


def test_the_residents_own_invalid_passport_is_still_called_invalid():
    verdict = decide(make_claim(), all_match(mvd=answer(MVD, Outcome.MISMATCH, ("status",), status="invalid")))
    assert verdict.reason_codes == ("passport.invalid",)
    assert "недействителен" in verdict.explain(translator("ru"))


def _random_snils(taken: set[str]) -> str:
    for body in range(123_456_789, 123_999_999, 7919):
        digits = f"{body:09d}"
        snils = format_snils(digits + snils_control_number(digits))
        if snils.replace("-", "").replace(" ", "") not in taken:
            return snils
    raise AssertionError("no free SNILS")


def _random_passport(own: str, taken: set[str]) -> str:
    digits = own.replace(" ", "")
    for shift in range(1, 1000):
        number = f"{(int(digits[4:]) + shift * 7919) % 1_000_000:06d}"
        if digits[:4] + number not in taken:
            return f"{digits[:2]} {digits[2:4]} {number}"
    raise AssertionError("no free passport")


def _why(text: str) -> str:
    return text[text.index("•"):]


async def test_through_the_bot_a_random_and_a_foreign_number_get_the_same_words(verifying):
    stand, summary = verifying
    with summary.files["mvd"].open(encoding="utf-8") as source:
        passports = {row["passport"].replace(" ", ""): row for row in csv.DictReader(source)}
    with summary.files["pfr"].open(encoding="utf-8") as source:
        snilses = {row["snils"].replace("-", "").replace(" ", ""): row for row in csv.DictReader(source)}
    first = next(r for r in summary.residents if r["kind"] == "owner")
    second = next(r for r in summary.residents if r["kind"] == "co_owner")
    people = {first["full_name"], second["full_name"]}
    foreign_passport = next(p for p, row in passports.items()
                            if row["status"] == "valid" and row["full_name"] not in people)
    foreign_snils = next(s for s, row in snilses.items() if row["full_name"] not in people)
    random_numbers = {**first, "passport": _random_passport(first["passport"], set(passports)),
                      "snils": _random_snils(set(snilses))}
    foreign_numbers = {**second, "snils": format_snils(foreign_snils),
                       "passport": f"{foreign_passport[:2]} {foreign_passport[2:4]} {foreign_passport[4:]}"}
    said = []
    for number, typed in enumerate((random_numbers, foreign_numbers)):
        user = stand.client.user(1701 + number, "Ева")
        code = await vote_as(user, typed)
        notice = await user.wait_for(lambda m, code=code: code in m.text and "❌" in m.text, timeout=20)
        said.append(_why(notice.text))
    assert said[0] == said[1]
    assert "Паспорт не совпадает" in said[0] and "СНИЛС не совпадает" in said[0]


def test_a_rejection_names_the_answers_to_look_at_again():
    from verification.decision import REASONS, fields_to_fix
    from verification.levels import Field

    assert fields_to_fix(["fls.not_this_flat", "passport.invalid"]) == (Field.FLS, Field.PASSPORT)
    assert fields_to_fix(["identity.mismatch"]) == (Field.FULL_NAME, Field.BIRTH_DATE)
    assert fields_to_fix(["flat.unknown"]) == ()  # the flat is not corrected
    for code in REASONS:  # every registry's reason points at something, or is the flat's own
        assert fields_to_fix([code]) or code.startswith("flat."), code
