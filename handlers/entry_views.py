"""Screens around the data entry: the poll's card on entering it, the answers kept from before or
reused from the resident's ballot for another flat, a question with the warning about a refused
answer, and what a cleared message is left saying."""
from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import Nav, NavCb, ReuseCb
from handlers.views import Screen, label, question, refused, when
from services.drafts import Draft, apartment_fields, identity_fields
from verification.levels import Field, Levels
from verification.refusal import N_, Refusal


def poll_card(poll) -> str:
    """What the vote is, who may take part, until when, and what will be asked and checked."""
    language = get_i18n().current_locale
    lines = [f"<b>{escape(poll.title_in(language))}</b>", escape(poll.question_in(language))]
    description = poll.description_in(language)
    if description:
        lines += ["", escape(description)]
    if poll.all_houses:
        who = _("Who may vote: the owners and social tenants of flats in any house of the city's address register.")
    else:
        who = _("Who may vote: the owners and social tenants of flats in the houses listed for this vote; "
                "the next step finds yours by its address.")
    lines += ["", who, _("Voting closes: {closes} (Moscow time).").format(closes=when(poll.closes_at)),
              "", _("I will ask for these and check them against the city registries:")]
    lines += [f"• {label(item)}" for item in poll.levels.fields if item is not Field.FLAT]
    return "\n".join(lines)


RESTART = NavCb(action=Nav.RESTART).pack()


def kept_fields(draft: Draft, levels: Levels) -> list[Field]:
    return [item for item in levels.fields if draft.get(item) is not None]


def kept_answers(kept: list[Field]) -> tuple[str, InlineKeyboardMarkup]:
    """Names only: the values themselves never go back into the chat."""
    text = _("I kept your earlier answers: {fields}. I will ask only for the rest; "
             "to type everything again, press «Start over».").format(fields=", ".join(label(f) for f in kept))
    return text, InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=_("Start over"), callback_data=RESTART)]])


# by how many identity fields the poll asks (its identity level): the names, inflected, are part of the sentence
_REUSE_QUESTIONS = {
    2: N_("Use the same full name and date of birth as last time?"),
    3: N_("Use the same full name, date of birth and passport as last time?"),
    4: N_("Use the same full name, date of birth, passport and SNILS as last time?"),
}


def reuse_offer(levels: Levels) -> Screen:
    """Before a ballot for another flat: the identity answers of the resident's ballot, named, not shown."""
    asked = ", ".join(label(item) for item in apartment_fields(levels))
    text = "\n\n".join([_(_REUSE_QUESTIONS[len(identity_fields(levels))]),
                         _("I will not show them here: you will see them in the review before you vote and "
                           "can change any of them. I will ask again for: {fields}.").format(fields=asked)])
    return text, InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("Yes, the same"), callback_data=ReuseCb(reuse=True).pack()),
        InlineKeyboardButton(text=_("Type them again"), callback_data=ReuseCb(reuse=False).pack())]])


def identity_reused(levels: Levels) -> str:
    fields = ", ".join(label(item) for item in identity_fields(levels))
    return _("✅ I take these answers from your last ballot: {fields}. "
             "You will see them in the review before you vote.").format(fields=fields)


def identity_typed_again(*, could_not_reuse: bool = False) -> str:
    if could_not_reuse:
        return _("Your answers from last time can no longer be used: I will ask for them again.")
    return _("Fine: I will ask for them again.")


def answers_cleared() -> str:
    return _("Your earlier answers are cleared: we start from the first question.")


def question_refused(item: Field, refusal: Refusal, attempt: int, *, editing: bool = False) -> Screen:
    """The question as asked, the reason its answer was refused above it; from the second refusal
    on, the attempt's number, so that each refusal visibly changes the message."""
    warning = refused(refusal)
    if attempt > 1:
        warning = "⚠️ " + _("Attempt {number}: {reason}").format(number=attempt, reason=warning.removeprefix("⚠️ "))
    text, markup = question(item, editing=editing)
    return f"{warning}\n\n{text}", markup


def personal_data_removed() -> str:
    return _("🔒 Your data has been removed from the chat.")
