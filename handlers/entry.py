"""Personal and apartment data, one field per message, each checked at once."""
from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers import entry_views, flow, views
from handlers.callbacks import Nav, NavCb
from handlers.states import Vote
from verification.levels import Field
from verification.refusal import Refusal
from verification.validators import validate


async def answer_given(message: Message, state: FSMContext, poll, vault) -> None:
    data = await state.get_data()
    item = Field(data["field"])
    if item in views.PERSONAL:
        # a phone left unlocked must not show a passport number
        try:
            await message.delete()
        except TelegramBadRequest:
            pass
    verdict = validate(item, message.text, today=date.today(), min_age=poll.min_age)
    if isinstance(verdict, Refusal):
        await flow.ask_again(message, state, item, verdict, data)
        return
    await flow.retire_question(message, state, data)
    await flow.retire_kept(message, state, data)
    draft = flow.open_draft(data, vault)
    draft.put(item, verdict.value)
    await flow.save_draft(state, vault, draft)
    if item.value in (data.get("doubted") or ()):  # typed again: no longer marked as doubted
        await state.update_data(doubted=[f for f in data["doubted"] if f != item.value])
    reused = flow.reused_in(data, poll.id)
    if item.value in reused:  # typed again: no longer the answer taken from the last ballot
        await flow.mark_reused(state, poll.id, sorted(reused - {item.value}))
    if data.get("editing"):
        await flow.show_review(message, state, poll, draft, data.get("address", ""))
    else:
        await flow.continue_or_review(message, state, poll, draft, data.get("address", ""))


async def step_back(query: CallbackQuery, state: FSMContext, poll, vault) -> None:
    data = await state.get_data()
    await query.answer()
    await flow.retire_question(query.message, state, data)
    draft = flow.open_draft(data, vault)
    if data.get("editing"):
        await flow.show_review(query.message, state, poll, draft, data.get("address", ""))
        return
    previous = draft.previous(poll.levels, Field(data["field"]))
    if previous is None:
        await flow.ask_address(query.message, state, poll)
    else:
        await flow.ask(query.message, state, previous)


async def start_over(query: CallbackQuery, state: FSMContext, poll, raw_state: str | None) -> None:
    """«Start over» under the answers kept from before: they are forgotten, the first question asked."""
    data = await state.get_data()
    await query.answer()
    await query.message.edit_text(entry_views.answers_cleared(), reply_markup=None)
    if raw_state == Vote.reviewing.state:
        await flow.take_buttons_off(query.message, data.get("review_id"))
    else:
        await flow.retire_question(query.message, state, data)
    await state.update_data({"draft": None, "doubted": None, "kept_id": None, flow.REUSED: None})
    await flow.ask(query.message, state, poll.levels.fields[0])


def create_router() -> Router:
    router = Router(name="entry")
    router.message.register(answer_given, StateFilter(Vote.entering), flow.TypedAnswer())
    router.callback_query.register(step_back, StateFilter(Vote.entering), NavCb.filter(F.action == Nav.BACK))
    router.callback_query.register(start_over, StateFilter(Vote.entering, Vote.reviewing),
                                   NavCb.filter(F.action == Nav.RESTART))
    return router
