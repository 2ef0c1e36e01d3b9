"""The verdict on a ballot from the registries' answers: counted, rejected (with reasons) or pending.

Rules, in the order they apply:
1. Only the checks the poll's levels require count (`required_checks`); other answers are ignored.
   A required answer that is missing counts as `unavailable`.
2. Each definitive negative answer (`mismatch`, `unknown`) gives a reason: an unknown passport,
   SNILS, FLS or document is rejected just like a wrong one — the registry has spoken, and
   waiting would not change its answer; the resident can correct the data. The resident reads
   the same words for an unknown number and for someone else's; the evidence keeps which it was.
3. The right to vote: an owner per Rosreestr (a matching property check, any share), or an owner
   or social tenant per EIRC; "registered" alone is not enough. The same sources confirm identity
   level 1 (full name + birth date). This is judged only once every source that could confirm the
   right has answered, so a Rosreestr outage never turns into "no right to vote".
4. Any reason → rejected at once, even while other registries are unavailable. A rejection can
   never be overturned by a later answer (counting needs every check to match), so there is no
   point in keeping the resident waiting; the evidence records which registries did not answer.
5. Otherwise any unavailable registry → pending, with no reasons: it is retried, never rejected.
6. Otherwise → counted.

Asking the registries for these answers is `verification.asking`'s; nothing here waits.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import lru_cache

from verification.claim import BallotClaim
from verification.levels import Field, Levels
from verification.refusal import N_
from verification.registries import (
    BIRTH_DATE, EIRC, FLAT, FLS, FULL_NAME, MVD, OWNER, PFR, REGISTRIES, ROLES, ROSREESTR, STATUS, TENANT,
    Outcome, RegistryAnswer, flat_people,
)
from verification.validators.names import normalise_name_key

VOTING_ROLES = frozenset({OWNER, TENANT})
_PERSON_FIELDS = frozenset({FULL_NAME, BIRTH_DATE})
_EVIDENCE_FACTS = ("status", "share")  # facts that name nobody and may be kept as evidence


class VerdictOutcome(str, Enum):
    COUNTED = "counted"
    REJECTED = "rejected"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a ballot was not counted: a stable code, the English msgid and what to do next."""

    code: str
    message: str
    advice: str
    registry: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, gettext: Callable[[str], str] = lambda s: s) -> str:
        return gettext(self.message).format(**self.params)

    def render_advice(self, gettext: Callable[[str], str] = lambda s: s) -> str:
        return gettext(self.advice).format(**self.params)


APPEAL = N_("While the poll is open you can correct your data with /status and the ballot will "
            "be checked again. If you think a registry is mistaken, contact the voting "
            "information centre.")

# A resident is told which field to check, never whether a number exists or is someone else's:
# "unknown" and "another person's" (or "another flat's") read alike, or the bot would tell anyone
# whose passport, SNILS, FLS or property document a number is. The codes stay apart for the
# evidence an operator reads; only the texts are shared.
_PASSPORT = (
    N_("The passport does not match your other data: the Ministry of Internal Affairs (MVD) does "
       "not confirm a passport with this series and number for this full name and date of birth."),
    N_("Check the passport series and number (4 digits of the series and 6 of the number), your "
       "full name and date of birth against your passport."))
_SNILS = (
    N_("The SNILS does not match your other data: the Pension Fund does not confirm this SNILS for "
       "this full name and date of birth."),
    N_("Copy the number from your own SNILS card or from your Gosuslugi profile and check your full "
       "name and date of birth."))
_FLS = (
    N_("The payer number (FLS) does not match this flat: the payments centre (EIRC) does not "
       "confirm it for this flat."),
    N_("Copy the 10-digit payer number from the single payment document (EPD) of this very flat "
       "and check the flat number."))
_PROPERTY = (
    N_("The property document does not match your other data: Rosreestr does not confirm it for "
       "this flat and this owner."),
    N_("Enter the document for this flat — its cadastral number or the series and number of the "
       "certificate, exactly as printed — and check the flat number, your full name and date of "
       "birth. If the flat was bought or inherited recently, the register may not show it yet: "
       "contact the voting information centre."))
# a stranger to the flat and a person only registered in it read alike too: telling them apart
# would say whether someone with this name and birth date lives there
_NO_RIGHT = (
    N_("The registries do not show a person with this full name and date of birth as an owner or "
       "social tenant of this flat; only they vote for a flat."),
    N_("Check that your full name and date of birth are written exactly as in your passport, and "
       "the flat number. If you own the flat or rent it from the city under a social tenancy "
       "agreement and the registries do not show it yet, bring your documents to the voting "
       "information centre."))

_REASONS = (
    Reason("identity.mismatch", *_NO_RIGHT),
    Reason("flat.unknown",
           N_("The payments centre (EIRC) has no record of this flat in this house."),
           N_("Check the house address and the flat number against your single payment "
              "document (EPD)."), EIRC),
    Reason("flat.no_right_to_vote", *_NO_RIGHT),
    Reason("passport.invalid",
           N_("The Ministry of Internal Affairs (MVD) lists this passport as no longer valid."),
           N_("If you have been issued a new passport, enter its series and number."), MVD),
    Reason("passport.not_this_person", *_PASSPORT, MVD),
    Reason("passport.unknown", *_PASSPORT, MVD),
    Reason("snils.not_this_person", *_SNILS, PFR),
    Reason("snils.unknown", *_SNILS, PFR),
    Reason("fls.not_this_flat", *_FLS, EIRC),
    Reason("fls.unknown", *_FLS, EIRC),
    Reason("property.not_this_flat", *_PROPERTY, ROSREESTR),
    Reason("property.not_this_person", *_PROPERTY, ROSREESTR),
    Reason("property.unknown", *_PROPERTY, ROSREESTR),
)
# decided by the information centre on a review flag (one person's data from two accounts)
_REVIEW_REASONS = (
    Reason("review.other_account_counts",
           N_("The same person's data was used for this flat from another Telegram account, and the "
              "voting information centre decided that the ballot from that account counts."),
           N_("If this is a mistake, file a claim from /status or contact the centre: /centre.")),
    Reason("review.identity_unconfirmed",
           N_("The same person's data was used for this flat from two Telegram accounts, and the voting "
              "information centre could not confirm which of them is the person's own: neither ballot "
              "counts."),
           N_("File a claim from /status or contact the centre with your documents: /centre.")),
)
# decided by the resident: consent withdrawn (/forget) while the ballot waited for the registries
_RESIDENT_REASONS = (
    Reason("consent.withdrawn",
           N_("You withdrew your consent to the processing of your personal data before the registries "
              "had checked this ballot, so it was withdrawn and is not counted."),
           N_("To vote again, send /start, give your consent and enter your data anew.")),
)
#: the reasons the registries' answers give (`decide`)
REASONS: Mapping[str, Reason] = {reason.code: reason for reason in _REASONS}
#: the reasons an operator's review decision gives
REVIEW_REASONS: Mapping[str, Reason] = {reason.code: reason for reason in _REVIEW_REASONS}
#: every reason a stored ballot may carry, whoever gave it
KNOWN_REASONS: Mapping[str, Reason] = {
    reason.code: reason for reason in (*_REASONS, *_REVIEW_REASONS, *_RESIDENT_REASONS)}


#: which answers a reason puts in doubt, by its code's first part ("fls.not_this_flat" → the FLS);
#: a flat's own reasons name none (the flat names the ballot and is not corrected)
_FIELDS_OF = {"passport": (Field.PASSPORT,), "snils": (Field.SNILS,), "fls": (Field.FLS,),
              "property": (Field.PROPERTY_DOCUMENT,), "identity": (Field.FULL_NAME, Field.BIRTH_DATE),
              # offered as identity's are, or the correction offered would tell the two apart
              "flat.no_right_to_vote": (Field.FULL_NAME, Field.BIRTH_DATE)}


def fields_to_fix(codes) -> tuple[Field, ...]:
    """The answers a resident should look at again after a rejection with these reason codes."""
    found: dict[Field, None] = {}
    for code in codes:
        found.update(dict.fromkeys(_FIELDS_OF.get(code, _FIELDS_OF.get(code.split(".", 1)[0], ()))))
    return tuple(found)


def reason(code: str) -> Reason:
    """The reason behind a stored code, so a verdict can be rendered again later."""
    found = KNOWN_REASONS.get(code)
    if found is None:
        raise KeyError(code)
    return found


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one registry said, without anybody's personal data: fit to keep with the ballot."""

    registry: str
    outcome: Outcome
    fields: tuple[str, ...] = ()
    detail: Mapping[str, str] = field(default_factory=dict)
    checked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: VerdictOutcome
    reasons: tuple[Reason, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    @property
    def waiting_for(self) -> tuple[str, ...]:
        """Registries that have not answered yet: the ones to ask again."""
        return tuple(e.registry for e in self.evidence if e.outcome is Outcome.UNAVAILABLE)

    def explain(self, gettext: Callable[[str], str] = lambda s: s) -> str:
        """Each reason with its advice, then how to appeal; empty unless rejected."""
        if self.outcome is not VerdictOutcome.REJECTED:
            return ""
        lines = list(dict.fromkeys(  # reasons sharing a text are said once
            f"• {r.render(gettext)}\n  {r.render_advice(gettext)}" for r in self.reasons))
        return "\n".join([*lines, "", gettext(APPEAL)])


@lru_cache(maxsize=16)
def required_checks(levels: Levels) -> tuple[str, ...]:
    """The registries a poll's levels need, in a stable order.

    EIRC is always asked: with apartment level 1+ it confirms the FLS, and at every level it is
    where the flat's owners, tenants and registered people — identity level 1 — are found.
    """
    needed = {EIRC}
    if levels.identity >= 2:
        needed.add(MVD)
    if levels.identity >= 3:
        needed.add(PFR)
    if levels.apartment >= 2:
        needed.add(ROSREESTR)
    return tuple(name for name in REGISTRIES if name in needed)


def _answer_reasons(claim: BallotClaim, registry: str, answer: RegistryAnswer) -> list[str]:
    """Codes of the reasons a single definitive negative answer gives."""
    outcome = answer.outcome
    if outcome is Outcome.MATCH:
        return []
    fields = set(answer.fields)
    if outcome is Outcome.UNKNOWN:
        if registry == EIRC:
            return ["fls.unknown" if claim.fls else "flat.unknown"]
        return [{MVD: "passport.unknown", PFR: "snils.unknown",
                 ROSREESTR: "property.unknown"}[registry]]
    if outcome is not Outcome.MISMATCH:
        return []
    if registry == EIRC:
        return ["fls.not_this_flat" if claim.fls else "flat.unknown"]
    if registry == MVD:
        # "no longer valid" only for the person's own passport: said of someone else's number, it
        # would confirm that the number exists
        if fields & _PERSON_FIELDS or STATUS not in fields:
            return ["passport.not_this_person"]
        return ["passport.invalid"]
    if registry == PFR:
        return ["snils.not_this_person"]
    if {FLAT, FLS, "unom"} & fields:
        return ["property.not_this_flat"]
    return ["property.not_this_person"]


def _flat_role(claim: BallotClaim, eirc: RegistryAnswer) -> str | None:
    """The claimed person's role in the flat per EIRC, or None if EIRC does not list them."""
    key, born, wanted = claim.full_name_key, claim.birth_date, None
    for person in flat_people(eirc):
        if person.birth_date != born:
            continue
        if person.name_key == key:  # the common case: equal keys need no normalising
            return person.role
        if wanted is None:
            wanted = normalise_name_key(key)  # idempotent: a key typed loosely still meets
        if normalise_name_key(person.name_key) == wanted:
            return person.role
    return None


def _right_to_vote(claim: BallotClaim, answers: Mapping[str, RegistryAnswer],
                   required: tuple[str, ...]) -> tuple[list[str], str | None]:
    """Reasons about identity and the right to vote, and the EIRC role found (for evidence)."""
    eirc = answers[EIRC]
    role = _flat_role(claim, eirc) if eirc.outcome is Outcome.MATCH else None
    if ROSREESTR in required:
        rosreestr = answers[ROSREESTR]
        if rosreestr.outcome is Outcome.MATCH:
            return [], role  # an owner of this flat by name and birth date: identity and right
        if rosreestr.outcome is Outcome.UNAVAILABLE:
            return [], role  # Rosreestr may yet confirm ownership
    if eirc.outcome is not Outcome.MATCH:
        return [], role  # an EIRC refusal already gave its reason, or EIRC has not answered
    if role is None:
        return ["identity.mismatch"], role
    if role not in VOTING_ROLES:
        return ["flat.no_right_to_vote"], role
    return [], role


def _evidence(registry: str, answer: RegistryAnswer, role: str | None) -> Evidence:
    facts = answer.facts
    detail = {key: str(facts[key]) for key in _EVIDENCE_FACTS if key in facts} if facts else {}
    if registry == EIRC and answer.outcome is Outcome.MATCH:
        # only a known role word is kept: whatever else an agency sent may name someone
        detail["role"] = role if role in ROLES else ("other" if role else "none")
    return Evidence(registry, answer.outcome, tuple(answer.fields), detail,
                    answer.checked_at)


def decide(claim: BallotClaim, answers: Mapping[str, RegistryAnswer]) -> Verdict:
    """The verdict on a claim from the registries' answers (see the rules above)."""
    required = required_checks(claim.levels)
    relevant = {name: answers.get(name) or RegistryAnswer.unavailable(name) for name in required}
    codes: list[str] = []
    for name, answer in relevant.items():
        if answer.outcome is not Outcome.MATCH:  # a match gives no reason
            codes.extend(_answer_reasons(claim, name, answer))
    right_codes, role = _right_to_vote(claim, relevant, required)
    codes.extend(right_codes)
    evidence = tuple([_evidence(name, answer, role) for name, answer in relevant.items()])
    if codes:
        unique = tuple(REASONS[code] for code in dict.fromkeys(codes))
        return Verdict(VerdictOutcome.REJECTED, unique, evidence)
    if any(not a.outcome.is_definitive for a in relevant.values()):
        return Verdict(VerdictOutcome.PENDING, (), evidence)
    return Verdict(VerdictOutcome.COUNTED, (), evidence)
