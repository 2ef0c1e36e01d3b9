"""Bugs the dialogue fuzzing found, each as the shortest sequence that showed it, with the machine's
own properties (tests/fuzz/properties.py) as the verdict: kept so that none comes back.

All but the last three were one kind of mistake: a handler edits the message whose button was pressed
as if it still showed what it showed when sent; when it no longer did (its buttons already taken
away, its text already the new one), Telegram refused the edit ("message is not modified"), the
handler stopped there, and the resident read «Что-то пошло не так на моей стороне» instead of the
next step (bot.telegram.UnchangedEdits now takes such an edit as done). Two were presses on an
earlier "are you sure?" message answering a question no longer asked: they are refused as out of
date (handlers/vote.py), never taken as an answer to the question on screen. The last: a second tap
reaching a message the first had deleted (it showed personal data), whose buttons Telegram could
not take off ("message to edit not found"): there is nothing to take off, so that is done too.
"""
from __future__ import annotations

import pytest

from handlers.states import Vote
from tests.fuzz.machine import DialogueFuzz
from tests.fuzz.screen import Button


class Resident(DialogueFuzz):
    """The machine's resident, its moves called by name."""

    def vote(self) -> None:
        self.go_to(Vote.confirming.state)
        before = self.newest_id()
        self.make_progress(1)
        assert self.note_receipts(before), "the set-up vote gave no receipt"

    def button(self, data: str, *, message_id: int | None = None) -> Button:
        found = [b for group in self.buttons() for b in group if (b.data or "").startswith(data)
                 and message_id in (None, b.message_id)]
        assert found, f"no button {data!r} on screen"
        return found[0]

    def press(self, data: str, *, message_id: int | None = None) -> None:
        self.act(self.press_button(self.button(data, message_id=message_id)))
        self.check()

    def double_tap_on(self, data: str) -> None:
        tappable = self.double_tappable()
        self.double_tap(tappable.index(next(b for b in tappable if (b.data or "").startswith(data))))

    def verdict(self) -> None:
        self.check()


def found(where: str):
    """Where the bug was: the test's reason to exist."""
    return lambda test: test


@pytest.fixture
def resident(fuzz) -> Resident:
    return Resident(fuzz)


@found("handlers/status.py cancel_button: the second tap edits the buttons off a message that has none")
def test_a_double_tap_on_cancel(resident):
    resident.go_to(Vote.address.state)
    resident.double_tap_on("nav:cancel")
    resident.verdict()


@found("handlers/review.py back_to_last_field: the first tap goes back to the review, the second is then "
     "taken as «back» from the review and edits the buttons off the YES/NO message, which has none")
def test_a_double_tap_on_back_from_yes_or_no(resident):
    resident.go_to(Vote.choosing.state)
    resident.double_tap_on("nav:back")
    resident.verdict()


@found("handlers/start.py language_chosen: the second tap edits the message into the text it has already")
def test_a_double_tap_on_a_language(resident):
    resident.send_command("/language")
    resident.double_tap_on("lang:en")
    resident.verdict()


@found("handlers/settings.py announcements_switched: the second tap edits the screen into what it shows")
def test_a_double_tap_on_the_announcements_switch(resident):
    resident.go_to(Vote.address.state)  # consented: the settings are there
    resident.send_command("/settings")
    resident.double_tap_on("settings:")
    resident.verdict()


@found("handlers/corrections.py start_correction: the second tap edits the buttons off /status's message, "
     "which has none")
def test_a_double_tap_on_correct_my_data(resident):
    resident.vote()
    resident.send_command("/status")
    resident.double_tap_on("ballot:correct:")
    resident.verdict()


@found("handlers/claims.py: the second tap on a claim's kind edits the buttons off a message that has none")
def test_a_double_tap_on_the_kind_of_a_claim(resident):
    resident.vote()
    resident.send_command("/centre")
    resident.press("claim:start:")
    resident.double_tap_on("claim:kind:")
    resident.verdict()


@found("handlers/vote.py back_from_confirm: «◀ Назад» on an earlier YES/NO message, left with its buttons "
     "when the resident sent /start, while a later one asks «are you sure?»: the edit into the YES/NO "
     "question is refused, as the message reads so already")
def test_back_on_an_earlier_yes_or_no_message(resident):
    resident.go_to(Vote.choosing.state)
    earlier = resident.button("choice:yes").message_id
    resident.send_command("/start")
    resident.go_to(Vote.confirming.state)
    assert resident.button("choice:yes", message_id=earlier)  # still there to press
    resident.act(resident.press_button(resident.button("nav:back", message_id=earlier)))
    resident.verdict()


@found("handlers/vote.py cast: a press of «Да, голосую ЗА» that reaches the bot after it took that button "
     "away (a slow network, another device) while the dialogue again asks «are you sure?»: the edit "
     "fails before the ballot is cast, so the vote is not cast and the resident is told of a failure")
def test_a_late_press_of_cast(resident):
    resident.vote()
    cast_before = next(b for b in resident.taken_away() if b.data == "nav:cast")
    resident.go_to(Vote.confirming.state)  # /start, change the choice, YES: «are you sure?» again
    resident.act(resident.press_late(cast_before))
    resident.verdict()


@found("handlers/status.py cancel_button: the first tap on «Отмена» under the review deletes the review (it "
       "shows personal data); the second takes the buttons off the deleted message and Telegram refuses")
def test_a_double_tap_on_cancel_under_the_review(resident):
    resident.go_to(Vote.reviewing.state)
    resident.double_tap_on("nav:cancel")
    resident.verdict()
