"""The properties the bot must keep whatever the resident does, checked after every step
(`@invariant`) of the fuzz machine (machine.py):

* every update is answered: a press always gets answerCallbackQuery; a message always makes the
  bot act in the chat (write, edit or delete) — except the documented silences below (and, with
  the rate limits on, `RateLimitedFuzz`'s);
* nothing escapes: the dispatcher finishes every update, no handler's exception reaches the
  dispatcher, and the log has no ERROR and no traceback;
* Telegram refuses nothing the bot asks, except the refusals the bot expects and handles,
  each listed below with the reason it is harmless.
"""
from __future__ import annotations

import logging

from hypothesis.stateful import invariant

from sandbox.client import describe_chat
from sandbox.message_methods import NOT_MODIFIED
from tests.fuzz.harness import SANDBOX_LOGGER, UPDATE_TIMEOUT
from tests.fuzz.screen import LINK, NOT_DELIVERED, Sent

# --- documented silences -------------------------------------------------------------------------
#: (dialogue state, kind of message) in which the bot stays silent on purpose; none so far: every
#: message in a private chat gets words back, a fallback answers what no step expects
SILENT_MESSAGES: frozenset[tuple[str | None, str]] = frozenset()

# --- refusals the bot expects --------------------------------------------------------------------
#: (method, Telegram's description) the bot may provoke and catch on purpose (bot.telegram.
#: UnchangedEdits takes each as done); anything else showing up is a finding first. Both come from a
#: second or late tap, which carries the message as it was when pressed: an edit into what the
#: message shows already, and the buttons taken off a message a first tap deleted (it showed
#: personal data): nothing to take off
EXPECTED_REFUSALS: frozenset[tuple[str, str]] = frozenset(
    (method, f"Bad Request: {NOT_MODIFIED}") for method in ("editMessageText", "editMessageReplyMarkup")) | {
    ("editMessageReplyMarkup", "Bad Request: message to edit not found")}


class Properties:
    """The invariants, over what the resident sent (`sent`) and what the stand recorded."""

    def fail(self, what: str) -> None:
        self.healthy = False
        steps = "\n".join(f"  {sent.what[:300]} (in state {sent.state})" for sent in self.history[-5:])
        raise AssertionError(f"{what}\nthe resident's latest steps:\n{steps}\n{describe_chat(self.view())}")

    @invariant()
    def every_update_is_answered(self) -> None:
        for sent in self.sent:
            if sent.kind == NOT_DELIVERED:
                if "edited_message" in self.stand.dispatcher.resolve_used_update_types():
                    self.fail(f"{sent.what}: the bot asks for edits, yet it was not delivered")
                continue
            if sent.kind == LINK:
                continue
            if sent.outcome is None:
                self.fail(f"{sent.what}: the bot did not finish the update within {UPDATE_TIMEOUT:g} s "
                          f"(state {sent.state})")
            if sent.outcome.error is not None:
                self.fail(f"{sent.what}: escaped the dispatcher: {sent.outcome.error!r} (state {sent.state})")
            if not sent.outcome.handled:
                self.fail(f"{sent.what}: no handler took it (state {sent.state})")
            if sent.answered or self.silence_documented(sent):
                continue
            if sent.kind == "callback_query":
                self.fail(f"{sent.what}: the press was never answered (state {sent.state})")
            if (sent.state, sent.kind) not in SILENT_MESSAGES:
                self.fail(f"{sent.what}: the bot said nothing (state {sent.state})")
        self.sent.clear()

    def silence_documented(self, sent: Sent) -> bool:
        """Whether the bot may leave this update unanswered beyond SILENT_MESSAGES."""
        return False

    @invariant()
    def nothing_failed_in_the_log(self) -> None:
        records = self.stand.logs.records[self.logs_seen:]
        self.logs_seen += len(records)
        bad = [r for r in records if r.levelno >= logging.ERROR or r.exc_info]
        if bad:
            formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
            self.fail("the bot logged failures:\n" + "\n".join(formatter.format(r) for r in bad))

    @invariant()
    def telegram_refused_nothing_unexpected(self) -> None:
        calls = self.stand.calls.calls[self.calls_seen:]
        self.calls_seen += len(calls)
        odd = [c for c in calls if c["status"] not in (200, 400)]
        if odd:
            self.fail(f"Bot API calls answered with an unexpected status: {odd}")
        records = self.stand.logs.records[self.refusals_seen:]
        self.refusals_seen += len(records)
        # the sandbox logs each refusal as (method, status, Telegram's description)
        unexpected = [r.args for r in records if r.name == SANDBOX_LOGGER and isinstance(r.args, tuple)
                      and len(r.args) == 3 and (r.args[0], r.args[2]) not in EXPECTED_REFUSALS]
        if unexpected:
            self.fail("Telegram refused the bot's calls: " + "; ".join(f"{m} → {s} {d}" for m, s, d in unexpected))

    def check(self) -> None:
        self.every_update_is_answered()
        self.nothing_failed_in_the_log()
        self.telegram_refused_nothing_unexpected()
