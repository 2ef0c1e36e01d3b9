"""Counting rules: their canonical JSON, its SHA-256, and what bad stored rules say."""
from __future__ import annotations

import hashlib
import json
from fractions import Fraction

import pytest

from counting.rules import CountingRules, SilentFlats, TwoChannels

DEFAULT_JSON = ('{"silent":"proportional","threshold":"2/3","two_channels":"later",'
                '"undecided_in_total":true,"weighted_by_share":false}')
EVERY_RULES = [CountingRules(silent, Fraction(3, 4) if weighted else Fraction(2, 3), undecided, weighted, two)
               for silent in SilentFlats for two in TwoChannels
               for undecided in (True, False) for weighted in (True, False)]


def test_defaults_are_the_2017_rules_as_amended() -> None:
    rules = CountingRules()
    assert (rules.silent, rules.threshold, rules.undecided_in_total, rules.weighted_by_share,
            rules.two_channels) == (SilentFlats.PROPORTIONAL, Fraction(2, 3), True, False, TwoChannels.LATER)


def test_canonical_json_is_sorted_without_spaces_and_the_threshold_a_fraction() -> None:
    assert CountingRules().canonical_json() == DEFAULT_JSON


def test_canonical_json_of_other_rules() -> None:
    rules = CountingRules(SilentFlats.FOR, Fraction(3, 4), False, True, TwoChannels.PAPER)
    assert rules.canonical_json() == ('{"silent":"for","threshold":"3/4","two_channels":"paper",'
                                      '"undecided_in_total":false,"weighted_by_share":true}')


def test_canonical_json_is_stable() -> None:
    assert CountingRules().canonical_json() == CountingRules().canonical_json()
    assert json.loads(DEFAULT_JSON) == CountingRules().canonical()


def test_digest_is_the_sha256_of_the_canonical_json() -> None:
    assert CountingRules().digest() == hashlib.sha256(DEFAULT_JSON.encode()).hexdigest()
    assert len(CountingRules().digest()) == 64


def test_every_different_rules_have_their_own_digest() -> None:
    assert len({rules.digest() for rules in EVERY_RULES}) == len(EVERY_RULES)


@pytest.mark.parametrize("rules", EVERY_RULES, ids=lambda rules: rules.canonical_json())
def test_canonical_form_round_trips(rules: CountingRules) -> None:
    assert CountingRules.from_canonical(rules.canonical()) == rules
    assert CountingRules.from_json(rules.canonical_json()) == rules
    assert CountingRules.from_json(rules.canonical_json()).digest() == rules.digest()


def test_missing_keys_take_the_defaults_and_the_threshold_is_normalised() -> None:
    assert CountingRules.from_canonical({}) == CountingRules()
    assert CountingRules.from_canonical({"threshold": "4/6"}).canonical_json() == DEFAULT_JSON
    assert CountingRules.from_canonical({"silent": "ignored"}).silent is SilentFlats.IGNORED


def test_policies_given_as_plain_strings_become_the_policies() -> None:
    rules = CountingRules(silent="for", two_channels="paper")  # type: ignore[arg-type]
    assert rules.silent is SilentFlats.FOR and rules.two_channels is TwoChannels.PAPER
    assert rules == CountingRules(SilentFlats.FOR, two_channels=TwoChannels.PAPER)


@pytest.mark.parametrize(("data", "message"), [
    ({"quorum": "1/2"}, "unknown counting rules: quorum"),
    ({"silent": "for", "zeta": 1, "alpha": 2}, "unknown counting rules: alpha, zeta"),
    ({"silent": "maybe"}, "silent must be one of proportional, ignored, for"),
    ({"silent": None}, "silent must be one of"),
    ({"silent": ["for"]}, "silent must be one of"),
    ({"two_channels": "fax"}, "two_channels must be one of later, online, paper"),
    ({"threshold": "abc"}, "threshold must be a fraction such as 2/3"),
    ({"threshold": "1/0"}, "threshold must be a fraction such as 2/3"),
    ({"threshold": None}, "threshold must be a fraction such as 2/3"),
    ({"threshold": "0"}, "threshold must be a fraction between 0 and 1"),
    ({"threshold": "0/3"}, "threshold must be a fraction between 0 and 1"),
    ({"threshold": "1"}, "threshold must be a fraction between 0 and 1"),
    ({"threshold": "3/2"}, "threshold must be a fraction between 0 and 1"),
    ({"threshold": "-1/3"}, "threshold must be a fraction between 0 and 1"),
    ({"undecided_in_total": "yes"}, "undecided_in_total must be true or false"),
    ({"undecided_in_total": 1}, "undecided_in_total must be true or false"),
    ({"weighted_by_share": None}, "weighted_by_share must be true or false"),
    ({"weighted_by_share": 0}, "weighted_by_share must be true or false"),
])
def test_bad_rules_raise_value_error_naming_what_is_wrong(data: dict, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        CountingRules.from_canonical(data)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "counting rules are not JSON"),
    ("[]", "counting rules must be a JSON object"),
    ('"2/3"', "counting rules must be a JSON object"),
    ('{"threshold": "1"}', "threshold must be a fraction between 0 and 1"),
])
def test_bad_json_raises_value_error(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        CountingRules.from_json(text)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize("threshold", [Fraction(0), Fraction(1), Fraction(5, 4), 0.5, "2/3"])
def test_constructing_with_a_bad_threshold_raises(threshold: object) -> None:
    with pytest.raises(ValueError, match="threshold must be a fraction between 0 and 1"):
        CountingRules(threshold=threshold)  # type: ignore[arg-type]


@pytest.mark.parametrize(("field", "value"), [("silent", "maybe"), ("two_channels", "fax")])
def test_constructing_with_an_unknown_policy_raises(field: str, value: str) -> None:
    with pytest.raises(ValueError):
        CountingRules(**{field: value})  # type: ignore[arg-type]
