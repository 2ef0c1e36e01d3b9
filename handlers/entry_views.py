"""Screens around the data entry: the poll's card on entering it, the answers kept from before,
a question with the warning about a refused answer, and what a cleared message is left saying."""
from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import Nav, NavCb
from handlers.views import Screen, label, question, refused, when
from services.drafts import Draft
from verification.levels import Field, Levels
from verification.refusal import Refusal


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
