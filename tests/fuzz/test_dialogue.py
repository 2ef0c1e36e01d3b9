"""Anything a resident may send, in any state of the vote dialogue: the bot answers it, nothing
escapes, and the resident can still vote afterwards (the properties: tests/fuzz/machine.py)."""
from __future__ import annotations

from hypothesis.stateful import run_state_machine_as_test

from tests.fuzz.conftest import fuzz_settings, replayable
from tests.fuzz.machine import DialogueFuzz, RateLimitedFuzz

#: the update kinds the machine can produce; a handler for another kind needs a rule first
PRODUCED = {"message", "callback_query", "edited_message"}


def test_the_machine_covers_every_update_kind_the_bot_takes(fuzz):
    assert set(fuzz.dispatcher.resolve_used_update_types()) <= PRODUCED


def test_any_input_from_any_state_is_answered_and_voting_still_works(fuzz, figures):
    try:
        run_state_machine_as_test(replayable(lambda: DialogueFuzz(fuzz)), settings=fuzz_settings())
    finally:
        figures("fuzz", fuzz.figures())


def test_over_the_rate_limits_only_the_documented_silence(fuzz_limited, figures):
    try:
        run_state_machine_as_test(replayable(lambda: RateLimitedFuzz(fuzz_limited)),
                                  settings=fuzz_settings(limited=True))
    finally:
        figures("fuzz", fuzz_limited.figures())
