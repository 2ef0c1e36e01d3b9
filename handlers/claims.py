"""A resident's claims to the information centre: /centre, the "contact the centre" button under a
rejected verdict, a claim about a ballot from /status; reading the centre's answer and replying.

A claim is: the kind (not counted / counted wrongly / other), one text message (sealed at once in
the dialogue's storage), a confirmation. Available at every step, like /status.
"""
from __future__ import annotations

from enum import StrEnum
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _

from handlers import views
from services.ballots import BallotBox, Receipt
from services.claims import TEXT_MAX, ClaimBook, ClaimRefused, checked_text
from storage.claims import Author, ClaimKind, ClaimState
from verification.refusal import N_

KINDS = {
    ClaimKind.NOT_COUNTED: N_("My vote was not counted"),
    ClaimKind.COUNTED_WRONGLY: N_("My vote was counted wrongly"),
    ClaimKind.OTHER: N_("Another question about my vote"),
}
STATES = {
    ClaimState.NEW: N_("registered, waiting for an operator"),
    ClaimState.IN_WORK: N_("in work"),
    ClaimState.ANSWERED: N_("answered"),
    ClaimState.CLOSED: N_("closed"),
}
# FSM data keys of a claim being written
BALLOT, KIND, SEALED, REPLYING = "claim_ballot", "claim_kind", "claim_text", "claim_replying"


class ClaimStep(StrEnum):
    CENTRE = "centre"  # the contacts, and the claim kinds when a ballot is named
    START = "start"  # the claim kinds for a ballot
    KIND = "kind"
    SEND = "send"
    CANCEL = "cancel"
    READ = "read"
    REPLY = "reply"


class ClaimCb(CallbackData, prefix="claim"):
    step: ClaimStep
    ballot_id: int = 0
    claim_id: int = 0
    kind: str = ""


class Claiming(StatesGroup):
    writing = State()
    confirming = State()
    replying = State()


def _button(text: str, **data) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=ClaimCb(**data).pack())


def claim_button(receipt: Receipt) -> InlineKeyboardButton:
    """The /status button that starts a claim about one ballot."""
    return _button(_("📨 A claim about flat {flat}").format(flat=receipt.flat), step=ClaimStep.START,
                   ballot_id=receipt.ballot_id)


def kind_text(kind: str) -> str:
    return _(KINDS[ClaimKind(kind)])


def state_text(state: str) -> str:
    return _(STATES[ClaimState(state)])


def _kinds(ballot_id: int) -> InlineKeyboardMarkup:
    rows = [[_button(_(text), step=ClaimStep.KIND, ballot_id=ballot_id, kind=kind.value)]
            for kind, text in KINDS.items()]
    rows.append([_button(_("✖ Cancel"), step=ClaimStep.CANCEL)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _choose_kind() -> str:
    return _("What is the claim about?")


def _refused(refusal: ClaimRefused) -> str:
    claim = refusal.claim
    if refusal.reason == "claim.exists" and claim is not None:
        return _("You already have claim No {number} about this: {state}; the answer is due by {due}.").format(
            number=claim.id, state=state_text(claim.state), due=views.when(claim.due_at))
    if refusal.reason == "claim.closed" and claim is not None:
        return _("Claim No {number} is closed. To raise the matter again, file a new claim from /status.").format(
            number=claim.id)
    return {
        "claim.empty": _("The claim is empty: describe the problem in one text message."),
        "claim.too_long": _("The text is too long: at most {limit} characters. Please shorten it and send it "
                            "again.").format(limit=TEXT_MAX),
        "claim.no_ballot": _("This ballot is not among yours. Send /status to see your ballots."),
        "claim.not_found": _("This claim is not among yours. Send /centre to see your claims."),
    }.get(refusal.reason, refusal.reason)


async def centre(message: Message, session, resident, vault, settings) -> None:
    receipts = await BallotBox(session, vault).receipts(resident) if resident else []
    mine = await ClaimBook(session, vault).mine(resident) if resident else []
    lines = [views.centre_contacts(settings)]
    rows = [[claim_button(r)] for r in receipts]
    rows += [[_button(_("📖 Claim No {number}: {state}").format(number=c.id, state=state_text(c.state)),
                      step=ClaimStep.READ, claim_id=c.id)] for c in mine]
    if not receipts:
        lines.append(_("A claim is about a ballot: once you have voted, file it here or from /status."))
    await message.answer("\n\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None)


async def centre_button(query: CallbackQuery, callback_data: ClaimCb, session, resident, vault, settings) -> None:
    """Under a rejected verdict: the contacts and, for its ballot, the claim kinds."""
    await query.answer()
    text = views.centre_contacts(settings)
    if not callback_data.ballot_id:
        await query.message.answer(text + "\n\n" + _("Send /centre to file a claim about one of your ballots."))
        return
    await query.message.answer(text + "\n\n" + _choose_kind(), reply_markup=_kinds(callback_data.ballot_id))


async def start_claim(query: CallbackQuery, callback_data: ClaimCb) -> None:
    await query.answer()
    await query.message.answer(_choose_kind(), reply_markup=_kinds(callback_data.ballot_id))


async def kind_chosen(query: CallbackQuery, callback_data: ClaimCb, state: FSMContext, session, resident,
                      vault) -> None:
    await query.answer()
    try:
        if resident is None:
            raise ClaimRefused("claim.no_ballot")
        found = await ClaimBook(session, vault).existing(resident, callback_data.ballot_id, callback_data.kind)
    except (ClaimRefused, ValueError) as refusal:
        await query.message.answer(_refused(refusal) if isinstance(refusal, ClaimRefused) else views.out_of_date())
        return
    if found is not None:
        await query.message.answer(_refused(ClaimRefused("claim.exists", found)), reply_markup=_read(found.id))
        return
    await query.message.edit_reply_markup(reply_markup=None)
    await state.set_state(Claiming.writing)
    await state.update_data({BALLOT: callback_data.ballot_id, KIND: callback_data.kind, SEALED: None})
    await query.message.answer(
        _("«{kind}». Describe the problem in one message, up to {limit} characters: what you expected and "
          "what happened. Do not write passport or SNILS numbers: the centre sees your ballot's "
          "checks.").format(kind=kind_text(callback_data.kind), limit=TEXT_MAX),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[_button(_("✖ Cancel"), step=ClaimStep.CANCEL)]]))


async def text_written(message: Message, state: FSMContext, vault) -> None:
    try:
        text = _checked(message)
    except ClaimRefused as refusal:
        await message.answer("⚠️ " + _refused(refusal))
        return
    await state.update_data({SEALED: vault.seal_text({"text": text})})
    await state.set_state(Claiming.confirming)
    kind = (await state.get_data()).get(KIND, ClaimKind.OTHER)
    markup = InlineKeyboardMarkup(inline_keyboard=[[_button(_("✅ Send to the centre"), step=ClaimStep.SEND),
                                                    _button(_("✖ Cancel"), step=ClaimStep.CANCEL)]])
    await message.answer(_("<b>Your claim</b>: {kind}\n\n{text}\n\nSend it to the information centre?").format(
        kind=kind_text(kind), text=escape(text)), reply_markup=markup)


async def send(query: CallbackQuery, state: FSMContext, session, resident, vault, settings) -> None:
    data = await state.get_data()
    await query.answer()
    if resident is None or not data.get(SEALED) or not data.get(BALLOT):
        await query.message.answer(views.out_of_date())
        return
    await query.message.edit_reply_markup(reply_markup=None)
    try:
        claim = await ClaimBook(session, vault).file(
            resident=resident, ballot_id=data[BALLOT], kind=data[KIND], text=vault.open_text(data[SEALED])["text"],
            answer_days=settings.claim_answer_days)
    except ClaimRefused as refusal:
        await _forget(state)
        await query.message.answer(_refused(refusal))
        return
    await _forget(state)
    await query.message.answer(
        _("📨 Claim No {number} is registered (receipt <code>{receipt}</code>). The information centre will "
          "answer here by {due}.").format(number=claim.id, receipt=claim.receipt, due=views.when(claim.due_at)))


async def cancel(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    if (await state.get_state()) in {s.state for s in Claiming.__states__}:
        await _forget(state)
    await query.message.edit_reply_markup(reply_markup=None)
    await query.message.answer(_("The claim is not sent."))


async def read(query: CallbackQuery, callback_data: ClaimCb, session, resident, vault) -> None:
    await query.answer()
    try:
        if resident is None:
            raise ClaimRefused("claim.not_found")
        claim, said = await ClaimBook(session, vault).conversation(resident, callback_data.claim_id)
    except ClaimRefused as refusal:
        await query.message.answer(_refused(refusal))
        return
    lines = [_("<b>Claim No {number}</b> (receipt <code>{receipt}</code>): {kind} — {state}").format(
        number=claim.id, receipt=claim.receipt, kind=kind_text(claim.kind), state=state_text(claim.state))]
    for item in said[-6:]:
        who = _("You") if item.author == Author.RESIDENT else _("The information centre")
        lines.append(f"<b>{who}</b>, {views.when(item.at)}:\n{escape(item.text)}")
    markup = None
    if claim.state != ClaimState.CLOSED:
        markup = InlineKeyboardMarkup(inline_keyboard=[[_button(_("↩ Reply"), step=ClaimStep.REPLY,
                                                                claim_id=claim.id)]])
    await query.message.answer(_fit("\n\n".join(lines)), reply_markup=markup)


async def reply_pressed(query: CallbackQuery, callback_data: ClaimCb, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(Claiming.replying)
    await state.update_data({REPLYING: callback_data.claim_id})
    await query.message.answer(
        _("Write your reply to claim No {number} in one message, up to {limit} characters.").format(
            number=callback_data.claim_id, limit=TEXT_MAX),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[_button(_("✖ Cancel"), step=ClaimStep.CANCEL)]]))


async def reply_written(message: Message, state: FSMContext, session, resident, vault) -> None:
    claim_id = (await state.get_data()).get(REPLYING)
    try:
        text = _checked(message)
        if resident is None or not claim_id:
            raise ClaimRefused("claim.not_found")
        claim = await ClaimBook(session, vault).reply(resident=resident, claim_id=claim_id, text=text)
    except ClaimRefused as refusal:
        if refusal.reason in ("claim.empty", "claim.too_long"):
            await message.answer("⚠️ " + _refused(refusal))
            return
        await _forget(state)
        await message.answer(_refused(refusal))
        return
    await _forget(state)
    await message.answer(_("↩ Your reply is added to claim No {number}; the centre will answer here.").format(
        number=claim.id))


async def use_buttons(message: Message) -> None:
    await message.answer(views.use_buttons())


def _read(claim_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(_("📖 Open the claim"), step=ClaimStep.READ,
                                                          claim_id=claim_id)]])


def _checked(message: Message) -> str:
    if message.text is None:
        raise ClaimRefused("claim.empty")
    return checked_text(message.text)


def _fit(text: str, limit: int = 4000) -> str:
    """Telegram takes 4,096 characters a message: a long conversation keeps its newest part."""
    return text if len(text) <= limit else "…" + text[-limit:]


async def _forget(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data({BALLOT: None, KIND: None, SEALED: None, REPLYING: None})


def create_router() -> Router:
    router = Router(name="claims")
    resident = {"resident": True}
    router.message.register(centre, Command("centre"), flags=resident)
    # a command while writing is the command (the claim waits), not the claim's text
    not_a_command = ~F.text.startswith("/")
    router.message.register(text_written, StateFilter(Claiming.writing), not_a_command)
    router.message.register(reply_written, StateFilter(Claiming.replying), not_a_command, flags=resident)
    router.message.register(use_buttons, StateFilter(Claiming.confirming), not_a_command)
    router.callback_query.register(centre_button, ClaimCb.filter(F.step == ClaimStep.CENTRE), flags=resident)
    router.callback_query.register(start_claim, ClaimCb.filter(F.step == ClaimStep.START))
    router.callback_query.register(kind_chosen, ClaimCb.filter(F.step == ClaimStep.KIND), flags=resident)
    router.callback_query.register(send, StateFilter(Claiming.confirming), ClaimCb.filter(F.step == ClaimStep.SEND),
                                   flags=resident)
    router.callback_query.register(cancel, ClaimCb.filter(F.step == ClaimStep.CANCEL))
    router.callback_query.register(read, ClaimCb.filter(F.step == ClaimStep.READ), flags=resident)
    router.callback_query.register(reply_pressed, ClaimCb.filter(F.step == ClaimStep.REPLY))
    return router
