"""The review of everything entered, with an edit button per field."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from handlers import flow
from handlers.callbacks import EditCb, Nav, NavCb
from handlers.states import Vote
from verification.levels import Field


async def edit_field(query: CallbackQuery, callback_data: EditCb, state: FSMContext, poll) -> None:
    try:
        item = Field(callback_data.field)
    except ValueError:
        item = None
    await query.answer()
    if item not in poll.levels.fields:
        return
    await query.message.edit_reply_markup(reply_markup=None)
    await flow.ask(query.message, state, item, editing=True)


async def confirmed(query: CallbackQuery, state: FSMContext, poll) -> None:
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await flow.retire_kept(query.message, state, await state.get_data())
    await flow.show_vote(query.message, state, poll)


async def back_to_last_field(query: CallbackQuery, state: FSMContext, poll) -> None:
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    await flow.ask(query.message, state, poll.levels.fields[-1])


def create_router() -> Router:
    router = Router(name="review")
    reviewing = StateFilter(Vote.reviewing)
    router.callback_query.register(edit_field, reviewing, EditCb.filter())
    router.callback_query.register(confirmed, reviewing, NavCb.filter(F.action == Nav.CONFIRM))
    router.callback_query.register(back_to_last_field, reviewing, NavCb.filter(F.action == Nav.BACK))
    return router
