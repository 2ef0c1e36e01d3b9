"""Paper ballots entered at a service centre's counter: the operator picks the poll and the
resident's house (the dialogue's address search), types the fields the poll asks for (the
dialogue's prompts and validators; each message with personal data is deleted once read), the
choice and when the ballot was filled in, reviews it masked and casts it. The ballot goes on the
paper channel, without an account, through registry verification like any other; the operator
gets the receipt code to hand over.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers import views
from handlers.access import guard
from handlers.flow import take_buttons_off
from handlers.callbacks import AdminCb, AdminSection
from services.address_book import AddressBook
from services.audit import actor_of
from services.drafts import Draft, DraftSeal
from services.paper import PaperDesk, RowRefused
from services.poll_desk import PollDesk, Refused, parse_moment
from storage.models import Choice, PollState
from storage.staff import Role
from verification.refusal import N_, Refusal
from verification.validators import validate

COUNTER = "counter"  # the FSM data key of the ballot being entered (beside the operator's own dialogue)
HOUSES_SHOWN = 8
REFUSED = {
    "paper.future": N_("This moment is still to come: type when the resident filled the ballot in."),
    "paper.outside": N_("The poll did not take ballots at that moment: type a moment while it ran."),
    "paper.house": N_("This house does not take part in the poll."),
    "paper.duplicate": N_("This person already has a paper ballot for this flat in this poll; nothing was stored."),
}


class Counter(StatesGroup):
    address = State()
    entering = State()
    choosing = State()
    moment = State()
    reviewing = State()


class CounterCb(CallbackData, prefix="ctr"):
    action: str  # poll, house, back, cancel, choice, now, cast, again
    value: str = ""


def _button(text: str, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=CounterCb(action=action, value=value).pack())


def _nav(*, back: bool = True) -> list[InlineKeyboardButton]:
    cancel = _button(_("✖ Cancel"), "cancel")
    return [_button(_("◀ Back"), "back"), cancel] if back else [cancel]


def _markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


async def section(query: CallbackQuery, session) -> None:
    """The polls a paper ballot can be entered for: open ones, and closed ones (a ballot filled in
    while the vote ran may come later)."""
    await query.answer()
    polls = [p for p in await PollDesk(session).polls() if p.state != PollState.DRAFT][:10]
    if not polls:
        await query.message.edit_text(_("There is no open poll to enter paper ballots for."))
        return
    rows = [[_button(f"#{p.id} · {p.title[:50]}", "poll", str(p.id))] for p in polls]
    await query.message.edit_text(_("<b>Paper ballot</b>\nChoose the poll:"), reply_markup=_markup(*rows))


async def poll_chosen(query: CallbackQuery, callback_data: CounterCb, state: FSMContext, session) -> None:
    try:
        chosen = await PollDesk(session).poll(int(callback_data.value))
    except (Refused, ValueError):
        await query.answer(views.out_of_date(), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await state.update_data({COUNTER: {"poll_id": chosen.id, "title": chosen.title}})
    await _ask_address(query.message, state)


async def _ask_address(message: Message, state: FSMContext) -> None:
    await state.set_state(Counter.address)
    await message.answer(_("Type the address of the resident's house, e.g. «Кубинка 12 к3»."),
                         reply_markup=_markup(_nav(back=False)))


async def address_typed(message: Message, state: FSMContext, session, address_book: AddressBook) -> None:
    entry = await _entry(state)
    if not message.text:
        await message.answer(views.text_expected())
        return
    outcome = await address_book.search(session, entry["poll_id"], message.text[:200])
    if not outcome.matches:
        text = (_("The house «{address}» is not in this poll.").format(address=escape(outcome.outside_poll.address))
                if outcome.outside_poll else _("I could not find this address: type the street and the house number."))
        await message.answer(text, reply_markup=_markup(_nav(back=False)))
        return
    rows = [[_button(f"{m.address} ({m.district})"[:120], "house", str(m.house_id))]
            for m in outcome.matches[:HOUSES_SHOWN]]
    await message.answer(_("Choose the house (or type the address again):"), reply_markup=_markup(*rows, _nav(back=False)))


async def house_chosen(query: CallbackQuery, callback_data: CounterCb, state: FSMContext, session,
                       address_book: AddressBook, vault) -> None:
    entry = await _entry(state)
    house = await address_book.house(session, entry["poll_id"], int(callback_data.value or 0))
    if house is None:
        await query.answer(views.out_of_date(), show_alert=True)
        return
    await query.answer()
    await query.message.edit_text(views.chosen_house(house.address))
    entry.update(house_id=house.house_id, address=house.address, draft=None)
    await state.update_data({COUNTER: entry})
    await _ask_field(query.message, state, await _levels(session, entry), 0)


async def _levels(session, entry: dict):
    return (await PollDesk(session).poll(entry["poll_id"])).levels


async def _ask_field(message: Message, state: FSMContext, levels, index: int) -> None:
    entry = await _entry(state)
    entry["field"] = index
    await state.set_state(Counter.entering)
    text, _markup_of_dialogue = views.question(levels.fields[index])
    sent = await message.answer(text, reply_markup=_markup(_nav()))
    await _retire(message, entry)
    entry["prompt_id"] = sent.message_id
    await state.update_data({COUNTER: entry})


async def _retire(message: Message, entry: dict) -> None:
    await take_buttons_off(message, entry.pop("prompt_id", None))
    entry["prompt_id"] = None


async def field_typed(message: Message, state: FSMContext, session, vault) -> None:
    entry = await _entry(state)
    chosen = await PollDesk(session).poll(entry["poll_id"])
    levels, index = chosen.levels, entry.get("field", 0)
    item = levels.fields[index]
    if item in views.PERSONAL:
        try:  # as in the resident's dialogue: the data does not stay on the counter's screen
            await message.delete()
        except TelegramBadRequest:
            pass
    if not message.text:
        await message.answer(views.text_expected())
        return
    verdict = validate(item, message.text, today=date.today(), min_age=chosen.min_age)
    if isinstance(verdict, Refusal):
        await message.answer(views.refused(verdict))
        await _ask_field(message, state, levels, index)
        return
    draft = _draft(entry, vault)
    draft.put(item, verdict.value)
    entry["draft"] = DraftSeal(vault).seal(draft)
    await state.update_data({COUNTER: entry})
    if index + 1 < len(levels.fields):
        await _ask_field(message, state, levels, index + 1)
    else:
        await _ask_choice(message, state)


def _draft(entry: dict, vault) -> Draft:
    return DraftSeal(vault).open(entry.get("draft"))


async def _ask_choice(message: Message, state: FSMContext) -> None:
    entry = await _entry(state)
    await state.set_state(Counter.choosing)
    sent = await message.answer(_("The resident's choice on the paper ballot:"), reply_markup=_markup(
        [_button(_("👍 YES"), "choice", Choice.YES.value), _button(_("👎 NO"), "choice", Choice.NO.value)], _nav()))
    await _retire(message, entry)
    entry["prompt_id"] = sent.message_id
    await state.update_data({COUNTER: entry})


async def choice_made(query: CallbackQuery, callback_data: CounterCb, state: FSMContext) -> None:
    await query.answer()
    entry = await _entry(state)
    entry["choice"] = Choice(callback_data.value).value
    await state.update_data({COUNTER: entry})
    await _ask_moment(query.message, state)


async def _ask_moment(message: Message, state: FSMContext) -> None:
    entry = await _entry(state)
    await state.set_state(Counter.moment)
    sent = await message.answer(
        _("When was the ballot filled in? Type ДД.ММ.ГГГГ ЧЧ:ММ (Moscow time), or press «Now»."),
        reply_markup=_markup([_button(_("Now"), "now")], _nav()))
    await _retire(message, entry)
    entry["prompt_id"] = sent.message_id
    await state.update_data({COUNTER: entry})


async def moment_typed(message: Message, state: FSMContext, session, vault) -> None:
    try:
        moment = parse_moment(message.text or "")
    except Refused:
        await message.answer("⚠️ " + _("«{text}» is not a date and time. Type it as ДД.ММ.ГГГГ ЧЧ:ММ, e.g. {example}.")
                             .format(text=escape(message.text or ""), example=views.when(datetime.now(timezone.utc))))
        return
    chosen = await PollDesk(session).poll((await _entry(state))["poll_id"])
    if moment > datetime.now(timezone.utc) or not chosen.opens_at <= moment < chosen.closes_at:
        code = "paper.future" if moment > datetime.now(timezone.utc) else "paper.outside"
        await message.answer("⚠️ " + _(REFUSED[code]))
        return
    await _review(message, state, session, vault, moment)


async def moment_now(query: CallbackQuery, state: FSMContext, session, vault) -> None:
    await query.answer()
    await _review(query.message, state, session, vault, datetime.now(timezone.utc))


async def _review(message: Message, state: FSMContext, session, vault, moment: datetime) -> None:
    entry = await _entry(state)
    entry["at"] = moment.isoformat()
    chosen = await PollDesk(session).poll(entry["poll_id"])
    text, _dialogue_markup = views.review(_draft(entry, vault), chosen.levels, entry["address"])
    text += "\n" + _("Poll: {title}\nChoice: <b>{choice}</b>\nFilled in: {at} (Moscow)").format(
        title=escape(chosen.title), choice=views.choice_text(entry["choice"]), at=views.when(moment))
    await state.set_state(Counter.reviewing)
    sent = await message.answer(text, reply_markup=_markup([_button(_("✅ Cast the paper ballot"), "cast")], _nav()))
    await _retire(message, entry)
    entry["prompt_id"] = sent.message_id
    await state.update_data({COUNTER: entry})


async def cast(query: CallbackQuery, state: FSMContext, session, vault) -> None:
    entry = await _entry(state)
    try:
        receipt = await PaperDesk(session, vault).cast_one(
            entry["poll_id"], entry["house_id"], _draft(entry, vault), entry["choice"],
            datetime.fromisoformat(entry["at"]), actor=actor_of(query.from_user.id))
    except RowRefused as refused:
        await query.answer()
        await query.message.answer("⚠️ " + (_(REFUSED[refused.code]) if refused.code in REFUSED else escape(str(refused))))
        return
    await state.set_state(None)
    await state.update_data({COUNTER: {"poll_id": entry["poll_id"], "title": entry["title"]}})
    # the review showed the resident's data (masked): the receipt takes its place
    text = _("🧾 The paper ballot is accepted.\nReceipt: <code>{code}</code>\nGive the code to the resident: with it "
             "they follow the ballot, which is now checked against the registries like any other.").format(code=receipt)
    await query.message.edit_text(text, reply_markup=_markup(
        [_button(_("➕ Another paper ballot in this poll"), "again")]))
    await query.answer()


async def again(query: CallbackQuery, state: FSMContext) -> None:
    entry = await _entry(state)
    if not entry.get("poll_id"):
        await query.answer(views.out_of_date(), show_alert=True)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await _ask_address(query.message, state)


async def back(query: CallbackQuery, state: FSMContext, session, raw_state: str | None) -> None:
    entry = await _entry(state)
    await query.answer()
    levels = await _levels(session, entry)
    if raw_state == Counter.entering.state:
        index = entry.get("field", 0)
        if index == 0:
            await _retire(query.message, entry)
            await state.update_data({COUNTER: entry})
            await _ask_address(query.message, state)
        else:
            await _ask_field(query.message, state, levels, index - 1)
    elif raw_state == Counter.choosing.state:
        await _ask_field(query.message, state, levels, len(levels.fields) - 1)
    elif raw_state == Counter.moment.state:
        await _ask_choice(query.message, state)
    elif raw_state == Counter.reviewing.state:
        await _ask_moment(query.message, state)


async def cancel(query: CallbackQuery, state: FSMContext, raw_state: str | None) -> None:
    await query.answer()
    if raw_state == Counter.reviewing.state:
        try:  # the review shows the resident's data
            await query.message.delete()
        except TelegramBadRequest:
            await query.message.edit_reply_markup(reply_markup=None)
    else:
        await query.message.edit_reply_markup(reply_markup=None)
    await state.set_state(None)
    await state.update_data({COUNTER: None})  # the sealed answers go too
    await query.message.answer(_("The paper ballot is dropped; nothing was stored."))


async def _entry(state: FSMContext) -> dict:
    return dict((await state.get_data()).get(COUNTER) or {})


def create_router() -> Router:
    router = Router(name="counter")
    guard(router, Role.ADMIN, Role.OPERATOR)
    router.callback_query.register(section, AdminCb.filter(F.section == AdminSection.PAPER))
    router.callback_query.register(poll_chosen, CounterCb.filter(F.action == "poll"))
    router.callback_query.register(again, CounterCb.filter(F.action == "again"))
    working = StateFilter(Counter.address, Counter.entering, Counter.choosing, Counter.moment, Counter.reviewing)
    router.callback_query.register(cancel, working, CounterCb.filter(F.action == "cancel"))
    router.callback_query.register(back, working, CounterCb.filter(F.action == "back"))
    router.callback_query.register(house_chosen, StateFilter(Counter.address), CounterCb.filter(F.action == "house"))
    router.callback_query.register(choice_made, StateFilter(Counter.choosing), CounterCb.filter(F.action == "choice"))
    router.callback_query.register(moment_now, StateFilter(Counter.moment), CounterCb.filter(F.action == "now"))
    router.callback_query.register(cast, StateFilter(Counter.reviewing), CounterCb.filter(F.action == "cast"))
    router.message.register(address_typed, StateFilter(Counter.address))
    router.message.register(field_typed, StateFilter(Counter.entering))
    router.message.register(moment_typed, StateFilter(Counter.moment))
    router.message.register(_use_buttons, StateFilter(Counter.choosing, Counter.reviewing))
    return router


async def _use_buttons(message: Message) -> None:
    await message.answer(views.use_buttons())
