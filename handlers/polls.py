"""Choosing the vote, and what a resident who already voted in it can do with their ballots."""
from __future__ import annotations

from datetime import datetime, timezone

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from handlers import flow, views
from handlers.callbacks import BallotAction, BallotCb, PollCb
from handlers.states import Vote
from services.polls import PollBoard, accepts_ballots


async def poll_chosen(query: CallbackQuery, callback_data: PollCb, state: FSMContext, session,
                      resident, vault) -> None:
    if resident is None or resident.consent_at is None:
        # e.g. a vote's button under an announcement: consent comes first, then the votes
        await query.answer()
        await state.set_state(Vote.consent)
        text, markup = views.consent()
        await query.message.answer(text, reply_markup=markup)
        return
    poll = await PollBoard(session).get(callback_data.poll_id)
    await query.answer()
    if poll is None or not accepts_ballots(poll, datetime.now(timezone.utc)):
        await query.message.answer(views.poll_unavailable(poll) if poll else views.out_of_date())
        return
    await query.message.edit_reply_markup(reply_markup=None)
    await flow.enter_poll(query.message, state, session, resident, vault, poll)


async def ballot_action(query: CallbackQuery, callback_data: BallotCb, state: FSMContext, poll) -> None:
    await query.answer()
    if poll is None or not accepts_ballots(poll, datetime.now(timezone.utc)):
        await query.message.answer(views.poll_unavailable(poll) if poll else views.out_of_date())
        return
    await query.message.edit_reply_markup(reply_markup=None)
    if callback_data.action is BallotAction.CHANGE:
        await state.update_data(ballot_id=callback_data.ballot_id)
        await flow.show_vote(query.message, state, poll)
    else:
        await state.update_data(ballot_id=None)
        await flow.ask_address(query.message, state, poll)


def create_router() -> Router:
    router = Router(name="polls")
    router.callback_query.register(poll_chosen, PollCb.filter(), flags={"resident": True})
    router.callback_query.register(ballot_action, StateFilter(Vote.choosing_poll),
                                   BallotCb.filter(F.action.in_({BallotAction.CHANGE, BallotAction.ANOTHER})))
    return router
