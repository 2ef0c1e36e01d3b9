"""Every rejection reason reads as plain words with advice, in Russian and in English."""
from __future__ import annotations

import re

import pytest

from bot.i18n import translator
from verification.decision import APPEAL, REASONS, Verdict, VerdictOutcome, reason

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@pytest.mark.parametrize("code", sorted(REASONS))
def test_each_reason_and_its_advice_are_translated_to_russian(code: str) -> None:
    ru = translator("ru")
    stated, advice = reason(code).render(ru), reason(code).render_advice(ru)
    assert stated != reason(code).message and CYRILLIC.search(stated)
    assert advice != reason(code).advice and CYRILLIC.search(advice)
    assert stated != advice


@pytest.mark.parametrize("code", sorted(REASONS))
def test_each_reason_reads_in_english(code: str) -> None:
    en = translator("en")
    assert reason(code).render(en) == reason(code).message
    assert not CYRILLIC.search(reason(code).render_advice(en))


def test_a_rejection_explains_reasons_advice_and_how_to_appeal_in_russian() -> None:
    verdict = Verdict(VerdictOutcome.REJECTED, (reason("passport.invalid"), reason("fls.unknown")))
    text = verdict.explain(translator("ru"))
    assert "МВД" in text and "паспорт" in text
    assert "ЕИРЦ" in text and "ЕПД" in text
    assert "/status" in text and "информационный центр" in text
    assert "passport" not in text  # nothing left untranslated


def test_the_same_rejection_in_english_for_an_english_speaking_resident() -> None:
    verdict = Verdict(VerdictOutcome.REJECTED, (reason("snils.not_this_person"),))
    text = verdict.explain(translator("en-GB"))
    assert "SNILS does not match your other data" in text
    assert text.endswith(APPEAL)


def test_nothing_to_explain_unless_rejected() -> None:
    assert Verdict(VerdictOutcome.COUNTED).explain(translator("ru")) == ""
    assert Verdict(VerdictOutcome.PENDING).explain(translator("ru")) == ""
