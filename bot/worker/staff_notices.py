"""Notices of the information centre's desk (a claim answered, a resident's reply, a review
decided), rendered by the notice sender like verdict and result notices: kind → text and buttons.

A claim's answer is not in the notice: the outbox keeps payloads in the clear, and free text may
hold personal data. The notice says the centre answered and opens the claim (read from its seal).
"""
from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import BallotAction, BallotCb
from handlers.claims import ClaimCb, ClaimStep
from handlers.desk_views import DeskCb, DeskStep
from services.claims import CLAIM_ANSWERED, CLAIM_REPLIED
from services.review import REVIEW_DECIDED, Outcome
from storage.repositories.checks import VERDICT_NOTICE
from verification.refusal import N_

Gettext = Callable[[str], str]

ANSWERED = N_("📨 The voting information centre answered your claim No {number} (receipt {receipt}).")
REPLIED = N_("↩ The resident replied on claim No {number}.")
CONTACT = N_("📨 Contact the centre")
CORRECT = N_("✏ Correct my data")
READ = N_("📖 Read the answer")
OPEN = N_("Open claim No {number}")
DECIDED = {
    (Outcome.KEEP_FIRST, "first"): N_(
        "ℹ️ Your data was used to vote for flat {flat}, {house} from another Telegram account. The voting "
        "information centre checked it: your ballot {receipt} stands, the other attempt is not accepted."),
    (Outcome.KEEP_FIRST, "second"): N_(
        "ℹ️ The voting information centre reviewed your vote for flat {flat}, {house}: the ballot cast "
        "earlier with the same person's data from another account stands, so yours is not accepted."),
    (Outcome.ACCEPT_SECOND, "first"): N_(
        "❌ Your ballot {receipt} for flat {flat}, {house} is not counted: the voting information centre "
        "decided that the same person's ballot from another Telegram account counts instead."),
    (Outcome.ACCEPT_SECOND, "second"): N_(
        "✅ The voting information centre accepted your vote for flat {flat}, {house}. Receipt: {receipt}. "
        "It is now checked against the registries like any other; I will tell you the result."),
    (Outcome.REJECT_BOTH, "first"): N_(
        "❌ Your ballot {receipt} for flat {flat}, {house} is not counted: the same person's data was used "
        "from two Telegram accounts, and the voting information centre could not confirm which is the "
        "person's own."),
    (Outcome.REJECT_BOTH, "second"): N_(
        "❌ The voting information centre reviewed your vote for flat {flat}, {house}: the same person's "
        "data was used from two Telegram accounts and could not be confirmed, so neither ballot counts."),
    # a ballot held because the account voted for more flats than one account may
    (Outcome.ACCEPT_SECOND, "held"): N_(
        "✅ The voting information centre accepted your ballot for flat {flat}, {house}, held for review. "
        "Receipt: {receipt}. It is now checked against the registries like any other; I will tell you the result."),
    (Outcome.KEEP_FIRST, "held"): N_(
        "❌ The voting information centre did not accept your ballot for flat {flat}, {house}, held for "
        "review: one Telegram account votes for a limited number of flats. Each owner can vote from their "
        "own account."),
}
#: the decisions after which the resident may want to contest them
CONTESTABLE = {(Outcome.KEEP_FIRST, "held"), (Outcome.KEEP_FIRST, "second"), (Outcome.ACCEPT_SECOND, "first"),
               (Outcome.REJECT_BOTH, "first"), (Outcome.REJECT_BOTH, "second")}


def render(kind: str, payload: Mapping[str, Any], gettext: Gettext, language: str) -> str | None:
    """The HTML text of a desk notice; None when `kind` is not one of the desk's."""
    try:
        return _render(kind, payload, gettext)
    except (KeyError, ValueError, TypeError) as error:
        from bot.worker.notices import (
            UnknownNotice,  # the sender's own error; it imports this module
        )
        raise UnknownNotice(f"a {kind} notice without a valid {error}") from None


def _render(kind: str, payload: Mapping[str, Any], gettext: Gettext) -> str | None:
    if kind == CLAIM_ANSWERED:
        return gettext(ANSWERED).format(number=int(payload["claim_id"]),
                                        receipt=f"<code>{html.escape(str(payload.get('receipt', '')))}</code>")
    if kind == CLAIM_REPLIED:
        return gettext(REPLIED).format(number=int(payload["claim_id"]))
    if kind == REVIEW_DECIDED:
        text = DECIDED[(Outcome(payload["outcome"]), payload["side"])]
        receipt = payload.get("receipt")
        return gettext(text).format(house=f"<b>{html.escape(str(payload.get('house', '')))}</b>",
                                    flat=html.escape(str(payload.get("flat", ""))),
                                    receipt=f"<code>{html.escape(str(receipt))}</code>" if receipt else "—")
    return None


def _one(text: str, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)]])


def markup(kind: str, payload: Mapping[str, Any], gettext: Gettext) -> InlineKeyboardMarkup | None:
    """Buttons the desk adds under a notice of any kind: "correct my data" and "contact the centre"
    under a rejection, "contact the centre" under a contestable review decision, "read the answer" under a claim's answer."""
    ballot_id = payload.get("ballot_id")
    ballot_id = ballot_id if isinstance(ballot_id, int) else 0
    if kind == VERDICT_NOTICE and payload.get("outcome") == "rejected":
        contact = InlineKeyboardButton(text=gettext(CONTACT),
                                       callback_data=ClaimCb(step=ClaimStep.CENTRE, ballot_id=ballot_id).pack())
        if not ballot_id:
            return InlineKeyboardMarkup(inline_keyboard=[[contact]])
        correct = InlineKeyboardButton(text=gettext(CORRECT),
                                       callback_data=BallotCb(action=BallotAction.CORRECT, ballot_id=ballot_id).pack())
        return InlineKeyboardMarkup(inline_keyboard=[[correct], [contact]])
    if kind == CLAIM_ANSWERED and isinstance(payload.get("claim_id"), int):
        return _one(gettext(READ), ClaimCb(step=ClaimStep.READ, claim_id=payload["claim_id"]).pack())
    if kind == CLAIM_REPLIED and isinstance(payload.get("claim_id"), int):
        return _one(gettext(OPEN).format(number=payload["claim_id"]),
                    DeskCb(step=DeskStep.CARD, item=payload["claim_id"]).pack())
    if kind == REVIEW_DECIDED:
        try:
            contestable = (Outcome(payload.get("outcome")), payload.get("side")) in CONTESTABLE
        except ValueError:
            return None
        if contestable:
            return _one(gettext(CONTACT), ClaimCb(step=ClaimStep.CENTRE, ballot_id=ballot_id).pack())
    return None
