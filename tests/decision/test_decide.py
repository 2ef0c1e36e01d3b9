"""Every path of the verdict: counted, rejected with which reason, pending while a registry is out."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone

import pytest

from verification.asking import Registries, collect_answers
from verification.claim import BallotClaim
from verification.decision import REASONS, VerdictOutcome, decide, reason, required_checks
from verification.levels import Levels
from verification.registries import (
    EIRC, MVD, PFR, ROSREESTR, Outcome, RegistryAnswer,
)
from verification.validators.names import normalise_name_key

AT = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
NAME = "Петров Пётр Петрович"
BORN = date(1980, 5, 17)


def make_claim(levels: str = "3/2", **changes: object) -> BallotClaim:
    claim = BallotClaim.of(unom=101, flat="12", full_name=NAME, birth_date=BORN,
                           levels=Levels.parse(levels), passport="4502573482",
                           snils="11223344595", fls="1234567890",
                           property_document="77:01:0001013:4915")
    return dataclasses.replace(claim, **changes)


def person(role: str, name: str = NAME, born: date = BORN) -> dict[str, str]:
    return {"name_key": normalise_name_key(name), "birth_date": born.isoformat(), "role": role}


def eirc_match(*people: dict[str, str]) -> RegistryAnswer:
    people = people or (person("owner"),)
    return RegistryAnswer(EIRC, Outcome.MATCH, facts={"people": list(people)}, checked_at=AT)


def answer(registry: str, outcome: Outcome = Outcome.MATCH, fields: tuple[str, ...] = (),
           **facts: object) -> RegistryAnswer:
    return RegistryAnswer(registry, outcome, fields, facts, AT)


def all_match(**changes: RegistryAnswer) -> dict[str, RegistryAnswer]:
    answers = {EIRC: eirc_match(), MVD: answer(MVD, status="valid"), PFR: answer(PFR),
               ROSREESTR: answer(ROSREESTR, share="1")}
    answers.update(changes)
    return answers


def test_a_ballot_every_registry_confirms_is_counted() -> None:
    verdict = decide(make_claim(), all_match())
    assert verdict.outcome is VerdictOutcome.COUNTED
    assert verdict.reasons == ()
    assert [e.registry for e in verdict.evidence] == [EIRC, MVD, PFR, ROSREESTR]
    assert verdict.evidence[0].detail == {"role": "owner"}
    assert verdict.evidence[3].detail == {"share": "1"}
    assert verdict.evidence[0].checked_at == AT


MISMATCHES = [
    (MVD, Outcome.MISMATCH, ("status",), ("passport.invalid",)),
    (MVD, Outcome.MISMATCH, ("full_name",), ("passport.not_this_person",)),
    (MVD, Outcome.MISMATCH, ("birth_date",), ("passport.not_this_person",)),
    # someone else's passport that is no longer valid: saying "invalid" would confirm it exists
    (MVD, Outcome.MISMATCH, ("status", "full_name"), ("passport.not_this_person",)),
    (MVD, Outcome.UNKNOWN, (), ("passport.unknown",)),
    (PFR, Outcome.MISMATCH, ("full_name", "birth_date"), ("snils.not_this_person",)),
    (PFR, Outcome.UNKNOWN, (), ("snils.unknown",)),
    (EIRC, Outcome.MISMATCH, ("fls",), ("fls.not_this_flat",)),
    (EIRC, Outcome.UNKNOWN, (), ("fls.unknown",)),
    (ROSREESTR, Outcome.MISMATCH, ("flat",), ("property.not_this_flat",)),
    (ROSREESTR, Outcome.MISMATCH, ("full_name",), ("property.not_this_person",)),
    (ROSREESTR, Outcome.UNKNOWN, (), ("property.unknown",)),
]


@pytest.mark.parametrize(("registry", "outcome", "fields", "codes"), MISMATCHES)
def test_each_refusal_rejects_with_its_reason_and_a_match_counts(
        registry: str, outcome: Outcome, fields: tuple[str, ...], codes: tuple[str, ...]) -> None:
    claim = make_claim()
    rejected = decide(claim, all_match(**{registry: answer(registry, outcome, fields)}))
    assert rejected.outcome is VerdictOutcome.REJECTED
    assert rejected.reason_codes == codes
    assert all(r.code in REASONS for r in rejected.reasons)
    # the resident corrects the data: the same claim, now confirmed everywhere, is counted
    assert decide(claim, all_match()).outcome is VerdictOutcome.COUNTED


def test_a_person_the_flat_does_not_know_is_rejected_for_identity() -> None:
    stranger = eirc_match(person("owner", "Сидорова Анна Ивановна", date(1975, 1, 2)))
    verdict = decide(make_claim("3/1"), all_match(eirc=stranger))
    assert verdict.reason_codes == ("identity.mismatch",)


def test_a_birth_date_one_day_off_is_an_identity_mismatch() -> None:
    verdict = decide(make_claim("1/1"), {EIRC: eirc_match(person("owner", born=date(1980, 5, 18)))})
    assert verdict.reason_codes == ("identity.mismatch",)


def test_case_yo_and_spacing_of_the_name_do_not_decide() -> None:
    typed = make_claim("1/1", full_name_key=normalise_name_key("ПЕТРОВ  петр петрович"))
    assert decide(typed, {EIRC: eirc_match()}).outcome is VerdictOutcome.COUNTED


def test_the_famous_made_up_voter_is_not_counted() -> None:
    made_up = make_claim("1/0", full_name_key=normalise_name_key("Иванов Иван Иванович"),
                         birth_date=date(1970, 1, 1), fls=None)
    flat = eirc_match(person("owner"), person("registered", "Петрова Ольга Ивановна"))
    verdict = decide(made_up, {EIRC: flat})
    assert verdict.outcome is VerdictOutcome.REJECTED
    assert verdict.reason_codes == ("identity.mismatch",)


def test_a_flat_eirc_does_not_know_without_fls_is_flat_unknown() -> None:
    verdict = decide(make_claim("1/0", fls=None), {EIRC: answer(EIRC, Outcome.UNKNOWN)})
    assert verdict.reason_codes == ("flat.unknown",)


# --- the right to vote ------------------------------------------------------------------------

def test_an_owner_of_a_half_share_per_rosreestr_is_counted_even_if_eirc_says_registered() -> None:
    answers = all_match(eirc=eirc_match(person("registered")),
                        rosreestr=answer(ROSREESTR, share="1/2"))
    verdict = decide(make_claim(), answers)
    assert verdict.outcome is VerdictOutcome.COUNTED
    assert verdict.evidence[3].detail == {"share": "1/2"}


def test_an_owner_per_rosreestr_unknown_to_eirc_is_counted() -> None:
    answers = all_match(eirc=eirc_match(person("owner", "Петрова Ольга Ивановна")))
    assert decide(make_claim(), answers).outcome is VerdictOutcome.COUNTED


def test_a_social_tenant_is_counted() -> None:
    verdict = decide(make_claim("3/1"), all_match(eirc=eirc_match(person("tenant"))))
    assert verdict.outcome is VerdictOutcome.COUNTED
    assert verdict.evidence[0].detail == {"role": "tenant"}


def test_a_registered_only_resident_has_no_right_to_vote() -> None:
    verdict = decide(make_claim("3/1"), all_match(eirc=eirc_match(person("registered"))))
    assert verdict.outcome is VerdictOutcome.REJECTED
    assert verdict.reason_codes == ("flat.no_right_to_vote",)


def test_registered_only_and_not_an_owner_per_rosreestr_gives_both_reasons() -> None:
    answers = all_match(eirc=eirc_match(person("registered")),
                        rosreestr=answer(ROSREESTR, Outcome.MISMATCH, ("full_name",)))
    assert decide(make_claim(), answers).reason_codes == (
        "property.not_this_person", "flat.no_right_to_vote")


def test_an_eirc_owner_whose_document_is_not_theirs_is_rejected_for_the_document_only() -> None:
    answers = all_match(rosreestr=answer(ROSREESTR, Outcome.MISMATCH, ("full_name", "birth_date")))
    assert decide(make_claim(), answers).reason_codes == ("property.not_this_person",)


# --- unavailable registries ---------------------------------------------------------------------

@pytest.mark.parametrize("registry", [EIRC, MVD, PFR, ROSREESTR])
def test_an_unavailable_registry_leaves_the_ballot_pending(registry: str) -> None:
    verdict = decide(make_claim(), all_match(**{registry: RegistryAnswer.unavailable(registry)}))
    assert verdict.outcome is VerdictOutcome.PENDING
    assert verdict.reasons == ()
    assert verdict.waiting_for == (registry,)


def test_a_missing_answer_counts_as_unavailable() -> None:
    answers = all_match()
    del answers[PFR]
    verdict = decide(make_claim(), answers)
    assert verdict.outcome is VerdictOutcome.PENDING
    assert verdict.waiting_for == (PFR,)


def test_a_definitive_mismatch_rejects_without_waiting_for_an_unavailable_registry() -> None:
    answers = all_match(mvd=answer(MVD, Outcome.MISMATCH, ("status",)),
                        pfr=RegistryAnswer.unavailable(PFR))
    verdict = decide(make_claim(), answers)
    assert verdict.outcome is VerdictOutcome.REJECTED
    assert verdict.reason_codes == ("passport.invalid",)
    assert verdict.waiting_for == (PFR,)


def test_no_right_to_vote_is_not_concluded_while_rosreestr_may_still_confirm_ownership() -> None:
    answers = all_match(eirc=eirc_match(person("registered")),
                        rosreestr=RegistryAnswer.unavailable(ROSREESTR))
    verdict = decide(make_claim(), answers)
    assert verdict.outcome is VerdictOutcome.PENDING
    assert verdict.reasons == ()


def test_identity_is_not_judged_while_eirc_is_unavailable() -> None:
    verdict = decide(make_claim("3/1"), all_match(eirc=RegistryAnswer.unavailable(EIRC)))
    assert verdict.outcome is VerdictOutcome.PENDING


# --- levels -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("levels", "checks"), [
    ("1/0", (EIRC,)),
    ("2/0", (EIRC, MVD)),
    ("3/0", (EIRC, MVD, PFR)),
    ("1/1", (EIRC,)),
    ("1/2", (EIRC, ROSREESTR)),
    ("3/1", (EIRC, MVD, PFR)),
    ("3/2", (EIRC, MVD, PFR, ROSREESTR)),
])
def test_levels_decide_which_registries_are_asked(levels: str, checks: tuple[str, ...]) -> None:
    assert required_checks(Levels.parse(levels)) == checks


def test_identity_one_without_apartment_needs_no_passport_check() -> None:
    claim = make_claim("1/0", passport=None, snils=None, fls=None, property_document=None)
    # an invalid passport answer lying around is not this poll's business
    answers = {EIRC: eirc_match(), MVD: answer(MVD, Outcome.MISMATCH, ("status",))}
    verdict = decide(claim, answers)
    assert verdict.outcome is VerdictOutcome.COUNTED
    assert [e.registry for e in verdict.evidence] == [EIRC]


def test_without_rosreestr_in_the_levels_a_registered_resident_cannot_be_saved_by_it() -> None:
    answers = all_match(eirc=eirc_match(person("registered")))  # Rosreestr says owner, unasked
    assert decide(make_claim("3/1"), answers).reason_codes == ("flat.no_right_to_vote",)


# --- what is kept ------------------------------------------------------------------------------

def test_evidence_and_reprs_carry_no_personal_data() -> None:
    claim = make_claim()
    flat = eirc_match(person("owner"), person("registered", "Петрова Ольга Ивановна"))
    verdict = decide(claim, all_match(eirc=flat))
    kept = repr(verdict) + repr(claim) + repr(eirc_match())
    for secret in ("петр", "петрова", "1980", "4502573482", "11223344595", "1234567890",
                   "0001013"):
        assert secret not in kept.lower()


def test_a_stored_reason_code_gives_back_the_reason() -> None:
    for code, stored in REASONS.items():
        assert reason(code) is stored


# --- asking the registries ----------------------------------------------------------------------

class ScriptedRegistries:
    """Answers scripted per registry; records who was asked. Raises where told to."""

    def __init__(self, **answers: RegistryAnswer | Exception) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def _give(self, name: str) -> RegistryAnswer:
        self.asked.append(name)
        result = self.answers.get(name, eirc_match() if name == EIRC else answer(name))
        if isinstance(result, Exception):
            raise result
        return result

    async def lookup_flat(self, unom, flat, fls):
        return self._give(EIRC)

    async def check_passport(self, passport, name_key, birth_date):
        return self._give(MVD)

    async def check_snils(self, snils, name_key, birth_date):
        return self._give(PFR)

    async def check_property(self, document, unom, flat, name_key, birth_date):
        return self._give(ROSREESTR)


def _bundle(fake: ScriptedRegistries) -> Registries:
    return Registries(fake, fake, fake, fake)


async def test_only_the_registries_the_levels_need_are_asked() -> None:
    fake = ScriptedRegistries(eirc=eirc_match())
    claim = make_claim("1/0", passport=None, snils=None, fls=None, property_document=None)
    answers = await collect_answers(claim, _bundle(fake))
    assert fake.asked == [EIRC]
    assert decide(claim, answers).outcome is VerdictOutcome.COUNTED


async def test_a_retry_asks_only_the_registries_that_were_unavailable() -> None:
    claim = make_claim()
    first = ScriptedRegistries(eirc=eirc_match(), pfr=RegistryAnswer.unavailable(PFR))
    answers = await collect_answers(claim, _bundle(first))
    assert decide(claim, answers).outcome is VerdictOutcome.PENDING
    second = ScriptedRegistries(eirc=eirc_match())
    answers = await collect_answers(claim, _bundle(second), previous=answers)
    assert second.asked == [PFR]
    assert decide(claim, answers).outcome is VerdictOutcome.COUNTED


async def test_a_port_that_raises_counts_as_unavailable() -> None:
    fake = ScriptedRegistries(eirc=eirc_match(), mvd=RuntimeError("4502573482 refused"))
    answers = await collect_answers(make_claim(), _bundle(fake))
    assert answers[MVD].outcome is Outcome.UNAVAILABLE
    assert decide(make_claim(), answers).outcome is VerdictOutcome.PENDING


async def test_a_claim_without_what_its_levels_require_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="mvd"):
        await collect_answers(make_claim("2/1", passport=None), _bundle(ScriptedRegistries()))
